//! cargo-fuzz target: see addr_driver.rs. Run with `cargo fuzz run addr` from the repository
//! root (stable toolchain: `RUSTC_BOOTSTRAP=1 cargo fuzz run addr`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "addr_driver.rs"]
mod driver;

fuzz_target!(|data: &[u8]| driver::run(data));
