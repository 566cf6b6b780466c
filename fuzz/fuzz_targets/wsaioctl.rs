//! cargo-fuzz target: see wsaioctl_driver.rs. Run with `cargo fuzz run wsaioctl` from the repository
//! root (stable toolchain: `RUSTC_BOOTSTRAP=1 cargo fuzz run wsaioctl`).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "wsaioctl_driver.rs"]
mod driver;

fuzz_target!(|data: &[u8]| driver::run(data));
