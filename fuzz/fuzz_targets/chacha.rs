//! cargo-fuzz target: see chacha_driver.rs. Run with `cargo fuzz run chacha` from the
//! repository root (stable toolchain: `RUSTC_BOOTSTRAP=1 cargo fuzz run chacha`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "chacha_driver.rs"]
mod driver;

fuzz_target!(|data: &[u8]| driver::run(data));
