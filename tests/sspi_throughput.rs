//! Rough throughput of EncryptMessage/DecryptMessage (16 KiB records, in place) next to a
//! rustls connection pair moving the same data. Prints numbers; asserts nothing about time.
//! `cargo test --release --test sspi_throughput -- --ignored --nocapture`
mod sspi_common;

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Instant;

use sspi_common::*;
use wstls::win::sspi::*;

const RECORDS: usize = 20_000;

#[test]
#[ignore]
fn throughput() {
    pki();
    let cert = cert_context("server");
    let mut s = acquire(SECPKG_CRED_INBOUND, Kind::Sch(0), 0, Some(cert)).unwrap();
    let mut c = acquire(SECPKG_CRED_OUTBOUND, Kind::Sch(0), 0, None).unwrap();
    let (mut cc, mut sc) = (None, None);
    let r = token_call(false, &mut c, &mut cc, Some("localhost"), CURL_REQ, None);
    let r = token_call(true, &mut s, &mut sc, None, ASC_REQ, Some(&r.token));
    let r = token_call(
        false,
        &mut c,
        &mut cc,
        Some("localhost"),
        CURL_REQ,
        Some(&r.token),
    );
    assert_eq!(r.status, SEC_E_OK);
    let r2 = token_call(true, &mut s, &mut sc, None, ASC_REQ, Some(&r.token));
    assert_eq!(r2.status, SEC_E_OK);
    let (mut cc, mut sc) = (cc.unwrap(), sc.unwrap());
    let sz = stream_sizes(&mut cc);
    let (h, t) = (sz.cbHeader as usize, sz.cbTrailer as usize);
    let mut block = vec![0u8; h + 16384 + t];
    let start = Instant::now();
    let mut total = 0usize;
    for _ in 0..RECORDS {
        let p = block.as_mut_ptr();
        let mut bufs = unsafe {
            [
                SecBuffer {
                    cbBuffer: h as u32,
                    BufferType: SECBUFFER_STREAM_HEADER,
                    pvBuffer: p as *mut _,
                },
                SecBuffer {
                    cbBuffer: 16384,
                    BufferType: SECBUFFER_DATA,
                    pvBuffer: p.add(h) as *mut _,
                },
                SecBuffer {
                    cbBuffer: t as u32,
                    BufferType: SECBUFFER_STREAM_TRAILER,
                    pvBuffer: p.add(h + 16384) as *mut _,
                },
                SecBuffer {
                    cbBuffer: 0,
                    BufferType: SECBUFFER_EMPTY,
                    pvBuffer: std::ptr::null_mut(),
                },
            ]
        };
        let mut d = SecBufferDesc {
            ulVersion: 0,
            cBuffers: 4,
            pBuffers: bufs.as_mut_ptr(),
        };
        assert_eq!(
            unsafe { wstls::ffi::sspi::wstls_EncryptMessage(&mut cc, 0, &mut d, 0) },
            SEC_E_OK
        );
        let n = h + 16384 + bufs[2].cbBuffer as usize;
        let dd = decrypt(&mut sc, &mut block[..n]);
        assert_eq!(dd.status, SEC_E_OK);
        total += 16384;
    }
    let el = start.elapsed().as_secs_f64();
    println!(
        "SSPI Encrypt+DecryptMessage: {:.0} MB/s ({} records)",
        total as f64 / el / 1e6,
        RECORDS
    );

    // rustls buffered pair, same data volume.
    let (cfg, _) = wstls::tls::config::client_config(wstls::tls::config::ClientOptions {
        versions: Default::default(),
        policy: Default::default(),
        identity: None,
        alpn: &[],
        roots: None,
    })
    .unwrap();
    let id = wstls::tls::config::Identity::from_pem_files(
        pki().leaf("server").cert.to_str().unwrap(),
        pki().leaf("server").key.to_str().unwrap(),
    )
    .unwrap();
    let scfg = wstls::tls::config::server_config(wstls::tls::config::ServerOptions {
        versions: Default::default(),
        identity: id,
        client_auth: Default::default(),
        client_ca: None,
        alpn: &[],
    })
    .unwrap();
    let mut client = rustls::ClientConnection::new(cfg, "localhost".try_into().unwrap()).unwrap();
    let mut server = rustls::ServerConnection::new(Arc::clone(&scfg)).unwrap();
    let mut buf = Vec::new();
    while client.is_handshaking() || server.is_handshaking() {
        buf.clear();
        client.write_tls(&mut buf).unwrap();
        server.read_tls(&mut &buf[..]).unwrap();
        server.process_new_packets().unwrap();
        buf.clear();
        server.write_tls(&mut buf).unwrap();
        client.read_tls(&mut &buf[..]).unwrap();
        client.process_new_packets().unwrap();
    }
    let data = vec![7u8; 16384];
    let mut out = vec![0u8; 16384];
    let start = Instant::now();
    for _ in 0..RECORDS {
        client.writer().write_all(&data).unwrap();
        buf.clear();
        client.write_tls(&mut buf).unwrap();
        let mut rd = &buf[..];
        while !rd.is_empty() {
            server.read_tls(&mut rd).unwrap();
            server.process_new_packets().unwrap();
        }
        server.reader().read_exact(&mut out).unwrap();
    }
    let el2 = start.elapsed().as_secs_f64();
    println!(
        "rustls buffered pair:        {:.0} MB/s",
        total as f64 / el2 / 1e6
    );
}
