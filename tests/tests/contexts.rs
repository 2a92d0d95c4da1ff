//! Docker contexts as the docker CLI keeps them: `dockernet --context NAME` / `-c NAME` before a
//! script or a network command, `docker.contexts()`, and the errors for a missing context and for
//! `--host` with `--context`. Each test has its own DOCKER_CONFIG folder, made with the docker CLI
//! itself (the oracle for the file layout).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use dockernet_tests::{dockernet_bin, unique};

/// A DOCKER_CONFIG folder with a context `lab` pointing at this machine's daemon socket, made by
/// `docker context create`; removed on drop.
struct Config(PathBuf);

impl Config {
    fn new() -> Config {
        let dir = std::env::temp_dir().join(unique("ctx"));
        std::fs::create_dir_all(&dir).unwrap();
        let socket = std::env::var("DOCKER_HOST").ok().filter(|h| h.starts_with("unix://")).unwrap_or("unix:///var/run/docker.sock".into());
        let out = Command::new("docker")
            .env("DOCKER_CONFIG", &dir)
            .args(["context", "create", "lab", "--description", "the lab daemon", "--docker", &format!("host={socket}")])
            .output()
            .unwrap();
        assert!(out.status.success(), "docker context create: {}", String::from_utf8_lossy(&out.stderr));
        Config(dir)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Config {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dockernet(config: &Config, args: &[&str]) -> Output {
    Command::new(dockernet_bin())
        .env("DOCKER_CONFIG", config.path())
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// `--context lab` and `-c lab` reach the context's daemon from a script and from a network
/// command; `docker.contexts()` lists it as `docker context ls` does.
#[test]
fn a_context_selects_the_daemon() {
    let cfg = Config::new();
    let out = dockernet(&cfg, &["--context", "lab", "-e", "print(docker.host) print(docker.ping())"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("unix://") && text(&out).contains("true"), "{}", text(&out));
    let out = dockernet(&cfg, &["-c", "lab", "network", "ls", "--format", "{{.Name}}"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).lines().any(|l| l == "bridge"), "{}", text(&out));
    let out = dockernet(
        &cfg,
        &["-e", "for _, c in ipairs(docker.contexts()) do print(c.name, c.current, c.description) end"],
    );
    assert!(out.status.success(), "{}", text(&out));
    let t = String::from_utf8_lossy(&out.stdout);
    assert!(t.contains("default\ttrue"), "{t}");
    assert!(t.contains("lab\tfalse\tthe lab daemon"), "{t}");
}

/// A missing context is an error naming it; `--host` with `--context` is refused as docker does.
#[test]
fn context_errors_name_the_problem() {
    let cfg = Config::new();
    let out = dockernet(&cfg, &["--context", "nope", "network", "ls"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("context \"nope\" does not exist"), "{}", text(&out));
    let out = dockernet(&cfg, &["-H", "unix:///var/run/docker.sock", "--context", "lab", "-e", "print(1)"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("either specify --host or --context"), "{}", text(&out));
    let out = dockernet(&cfg, &["--context"]);
    assert!(!out.status.success());
    assert!(text(&out).contains("--context"), "{}", text(&out));
}

/// Words after the script belong to the script, `-c` included.
#[test]
fn script_arguments_keep_their_c() {
    let cfg = Config::new();
    let script = cfg.path().join("args.lua");
    std::fs::write(&script, "print(table.concat(arg, ' '))").unwrap();
    let out = dockernet(&cfg, &[script.to_str().unwrap(), "-c", "lab"]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "-c lab");
}
