//! `dockernet impair`: link impairment from the shell.
//!
//! - `impair CONTAINER NETWORK --delay 100ms [--jitter 5ms] [--loss 1%] [--rate 10mbit]
//!   [--corrupt P] [--duplicate P] [--reorder P]` sets it (replacing what dockernet set there);
//! - `impair CONTAINER NETWORK --clear` removes dockernet's qdisc (nothing else);
//! - `impair CONTAINER NETWORK` prints what is set now (`delay 100ms loss 1%`, or `none`);
//! - `impair --reapply CONTAINER…` puts back what was asked after a restart, printing
//!   `CONTAINER NETWORK IMPAIRMENT` for each link it set;
//! - `impair --follow [--until T]` watches the daemon's `start` events and re-applies each
//!   restarted container's impairment, one line each, until `--until` or Ctrl-C.
//!
//! Values are checked by core before anything is touched (status 1, the key and the value
//! named). The mechanism — tc in the container's network namespace, dockernet's own qdisc
//! handle only — is core's (`dockernet_core::impair`).

use std::io::Write;

use clap::Parser;
use dockernet_core::events::TimeArg;
use dockernet_core::impair::Impairment;
use dockernet_core::BlockingClient;

/// `impair`: impair a container's link on one network (delay, loss, rate, …).
#[derive(Debug, Parser)]
#[command(
    name = "impair",
    bin_name = "dockernet impair",
    about = "Set, show or clear the impairment of a container's link on one network",
    disable_version_flag = true,
    color = clap::ColorChoice::Never,
    after_help = "Examples:\n  dockernet impair web wan --delay 100ms --loss 1%\n  dockernet impair web wan --clear\n  \
                  dockernet impair --follow"
)]
struct Args {
    /// The container (name or id); with --reapply, one or more
    container: Vec<String>,
    /// Added delay ("100ms"; needs netem in the kernel)
    #[arg(long)]
    delay: Option<String>,
    /// Variation of the delay ("5ms")
    #[arg(long)]
    jitter: Option<String>,
    /// Share of packets dropped ("1%")
    #[arg(long)]
    loss: Option<String>,
    /// Bandwidth limit ("10mbit")
    #[arg(long)]
    rate: Option<String>,
    /// Share of packets corrupted ("0.1%")
    #[arg(long)]
    corrupt: Option<String>,
    /// Share of packets duplicated ("0.1%")
    #[arg(long)]
    duplicate: Option<String>,
    /// Share of packets reordered ("25%"; needs --delay)
    #[arg(long)]
    reorder: Option<String>,
    /// Remove dockernet's impairment from the link
    #[arg(long)]
    clear: bool,
    /// Put back what was asked for the containers (after a restart)
    #[arg(long)]
    reapply: bool,
    /// Re-apply the impairment of every container that starts, until --until or Ctrl-C
    #[arg(long)]
    follow: bool,
    /// With --follow: stop at this time (unix seconds, RFC 3339, "+10m" from now)
    #[arg(long = "until")]
    until: Option<String>,
}

/// Runs `impair …` (`args[0]` is `impair`).
pub fn run(client: &BlockingClient, args: &[String], out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let a = match super::parse::<Args>(args, out, err) {
        Ok(a) => a,
        Err(status) => return status,
    };
    let usage = |err: &mut dyn Write, msg: &str| {
        let _ = writeln!(err, "Error: {msg}\nSee 'dockernet impair --help'.");
        super::STATUS_USAGE
    };
    let pairs: Vec<(&str, &str)> = [
        ("delay", &a.delay),
        ("jitter", &a.jitter),
        ("loss", &a.loss),
        ("rate", &a.rate),
        ("corrupt", &a.corrupt),
        ("duplicate", &a.duplicate),
        ("reorder", &a.reorder),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
    .collect();
    if a.until.is_some() && !a.follow {
        return usage(err, "--until goes with --follow");
    }
    if a.follow {
        if !a.container.is_empty() || !pairs.is_empty() || a.clear || a.reapply {
            return usage(err, "--follow takes no container and no other flag but --until");
        }
        let until = a.until.map(TimeArg::Text);
        let r = client.impair_follow(until, |name, r| match r {
            Ok(done) => {
                for (net, imp) in done {
                    let _ = writeln!(out, "{name} {net} {imp}");
                }
                let _ = out.flush();
            }
            Err(e) => super::report(err, &e, ""),
        });
        return match r {
            Ok(()) => 0,
            Err(e) => {
                super::report(err, &e, "events");
                1
            }
        };
    }
    if a.reapply {
        if a.container.is_empty() || !pairs.is_empty() || a.clear {
            return usage(err, "--reapply takes one or more containers and no impairment flags");
        }
        let mut status = 0;
        for c in &a.container {
            match client.impair_reapply(c) {
                Ok(done) => {
                    for (net, imp) in done {
                        let _ = writeln!(out, "{c} {net} {imp}");
                    }
                }
                Err(e) => {
                    super::report(err, &e, &format!("impair reapply {c:?}"));
                    status = 1;
                }
            }
        }
        return status;
    }
    let [container, network] = a.container.as_slice() else {
        return usage(err, &format!("\"dockernet impair\" requires exactly 2 arguments (CONTAINER NETWORK), got {}", a.container.len()));
    };
    let ctx = format!("impair {container:?} on {network:?}");
    if a.clear {
        if !pairs.is_empty() {
            return usage(err, "--clear takes no impairment flags");
        }
        return match client.impair_clear(container, network) {
            Ok(()) => 0,
            Err(e) => {
                super::report(err, &e, &ctx);
                1
            }
        };
    }
    if pairs.is_empty() {
        return match client.impair_read(container, network) {
            Ok(i) => {
                let _ = writeln!(out, "{}", i.unwrap_or_default());
                0
            }
            Err(e) => {
                super::report(err, &e, &format!("impair read {container:?} on {network:?}"));
                1
            }
        };
    }
    // Checked before anything is touched: a bad value names the flag and what was given.
    let imp = match Impairment::from_pairs(pairs, "impair") {
        Ok(i) => i,
        Err(e) => {
            let msg = e.message().strip_prefix("impair: option ").unwrap_or(e.message());
            let _ = writeln!(err, "Error: --{msg}\nSee 'dockernet impair --help'.");
            return super::STATUS_USAGE;
        }
    };
    match client.impair_apply(container, network, &imp) {
        Ok(()) => 0,
        Err(e) => {
            super::report(err, &e, &ctx);
            1
        }
    }
}
