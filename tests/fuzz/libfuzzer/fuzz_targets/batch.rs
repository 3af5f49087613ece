#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hengxin_fuzz::batch(data));
