//! The Lua API from a real script: handles, error tables with kinds, option checking, the
//! bad-input table as Lua sees it (`tests/lua/api.lua`).

use std::process::Command;

use dockernet_tests::{dockernet_bin, free_subnet, workspace_root, Guard};

/// `tests/lua/api.lua` passes every check and leaves nothing behind.
#[test]
fn lua_api_script_passes() {
    let g = Guard::new("luaapi");
    let subnet = free_subnet();
    let out = Command::new(dockernet_bin())
        .arg(workspace_root().join("tests/lua/api.lua"))
        .env("DNT_SUFFIX", g.name("s"))
        .env("DNT_SUBNET", subnet.cidr())
        .env("DNT_LABEL", g.tag())
        .output()
        .expect("run dockernet");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "api.lua failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("checks passed"), "{stdout}");
    let (nets, ctrs) = g.leftovers();
    assert!(nets.is_empty() && ctrs.is_empty(), "left behind: {nets:?} {ctrs:?}");
}
