//! Link flags of the module (see src/lib.rs, "Never unloaded").
fn main() {
    // Lua dlclose()s C modules when its state closes; keep this one mapped until the process ends.
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
}
