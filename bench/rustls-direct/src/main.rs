//! rustls used directly: the baseline wstls is measured against (bench/driver.py runs it).
//!
//!   rustls-direct bulk --cert F --key F --ca F --cipher IANA --bytes N --buf B
//!   rustls-direct lat  --cert F --key F --ca F --count N --size S
//!   rustls-direct mem  --cert F --key F --ca F --cipher IANA --bytes N --size S  (in memory)
//!
//! Client and server are threads of this process over loopback TCP (TCP_NODELAY), blocking
//! sockets, `rustls::StreamOwned`; TLS 1.3 only; the client verifies the chain and the name
//! "localhost" with rustls's WebPKI verifier. Prints one JSON object per result, as bench.c.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Barrier};
use std::time::Instant;

use rustls::crypto::aws_lc_rs;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{
    ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection, StreamOwned,
};

struct Opts {
    cert: String,
    key: String,
    ca: String,
    cipher: Option<String>,
    bytes: u64,
    buf: usize,
    count: usize,
    size: usize,
    label: String,
}

fn provider(cipher: &Option<String>) -> Arc<rustls::crypto::CryptoProvider> {
    let mut p = aws_lc_rs::default_provider();
    if let Some(c) = cipher {
        let want = c.replace("TLS_", "TLS13_");
        p.cipher_suites
            .retain(|s| format!("{:?}", s.suite()) == want);
        assert!(!p.cipher_suites.is_empty(), "unknown suite {c}");
    }
    Arc::new(p)
}

fn configs(o: &Opts) -> (Arc<ServerConfig>, Arc<ClientConfig>) {
    let p = provider(&o.cipher);
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&o.cert)
        .expect("cert file")
        .collect::<Result<_, _>>()
        .expect("cert pem");
    let key = PrivateKeyDer::from_pem_file(&o.key).expect("key");
    let server = ServerConfig::builder_with_provider(p.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&o.ca).expect("ca file") {
        roots.add(c.expect("ca pem")).unwrap();
    }
    let client = ClientConfig::builder_with_provider(p)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    (Arc::new(server), Arc::new(client))
}

type Client = StreamOwned<ClientConnection, TcpStream>;
type Server = StreamOwned<ServerConnection, TcpStream>;

/// A connected, handshaken pair.
fn pair(o: &Opts) -> (Client, Server) {
    let (scfg, ccfg) = configs(o);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let t = std::thread::spawn(move || {
        let (s, _) = l.accept().unwrap();
        s.set_nodelay(true).unwrap();
        let mut srv = StreamOwned::new(ServerConnection::new(scfg).unwrap(), s);
        while srv.conn.is_handshaking() {
            srv.conn.complete_io(&mut srv.sock).unwrap();
        }
        srv
    });
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_nodelay(true).unwrap();
    let name = ServerName::try_from("localhost").unwrap();
    let mut cli = StreamOwned::new(ClientConnection::new(ccfg, name).unwrap(), s);
    while cli.conn.is_handshaking() {
        cli.conn.complete_io(&mut cli.sock).unwrap();
    }
    (cli, t.join().unwrap())
}

/// CPU time of this process (all threads, user + system) from /proc/self/stat, in seconds.
fn cpu_now() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn suite_name(c: &Client) -> String {
    c.conn
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()).replace("TLS13_", "TLS_"))
        .unwrap_or_default()
}

fn bulk(o: &Opts) {
    let (mut cli, mut srv) = pair(o);
    let (bytes, bufsz) = (o.bytes, o.buf);
    let go = Arc::new(Barrier::new(3));
    let g2 = go.clone();
    let sender = std::thread::spawn(move || {
        let buf = vec![b'x'; bufsz];
        g2.wait();
        let mut left = bytes;
        while left > 0 {
            let n = left.min(bufsz as u64) as usize;
            srv.write_all(&buf[..n]).unwrap();
            left -= n as u64;
        }
        srv.flush().unwrap();
        srv
    });
    let g3 = go.clone();
    let suite = suite_name(&cli);
    let receiver = std::thread::spawn(move || {
        let mut buf = vec![0u8; bufsz];
        g3.wait();
        let mut got = 0u64;
        while got < bytes {
            let n = cli.read(&mut buf).unwrap();
            assert!(n > 0, "early EOF");
            got += n as u64;
        }
        (Instant::now(), cli)
    });
    go.wait();
    let start = Instant::now();
    let cpu0 = cpu_now();
    let (end, mut cli) = receiver.join().unwrap();
    let mut srv = sender.join().unwrap();
    let cpu = cpu_now() - cpu0;
    let secs = (end - start).as_secs_f64();
    println!(
        "{{\"bench\":\"bulk\",\"impl\":\"rustls\",\"suite\":\"{suite}\",\"threads\":1,\"bytes\":{bytes},\"buf\":{bufsz},\"secs\":{secs:.6},\"mib_s\":{:.2},\"cpu_s\":{cpu:.2},\"label\":\"{}\"}}",
        bytes as f64 / (1u64 << 20) as f64 / secs,
        o.label
    );
    srv.conn.send_close_notify();
    let _ = srv.flush();
    let mut tmp = [0u8; 256];
    while matches!(cli.read(&mut tmp), Ok(n) if n > 0) {}
}

fn lat(o: &Opts) {
    let (mut cli, mut srv) = pair(o);
    let size = o.size;
    let echo = std::thread::spawn(move || {
        let mut buf = vec![0u8; size];
        while srv.read_exact(&mut buf).is_ok() {
            if srv.write_all(&buf).is_err() {
                break;
            }
        }
    });
    let warm = 1000;
    let mut rtt = Vec::with_capacity(o.count);
    let mut buf = vec![b'p'; size];
    for i in 0..warm + o.count {
        let t0 = Instant::now();
        cli.write_all(&buf).unwrap();
        cli.read_exact(&mut buf).unwrap();
        if i >= warm {
            rtt.push(t0.elapsed().as_secs_f64());
        }
    }
    cli.conn.send_close_notify();
    let _ = cli.flush();
    drop(cli);
    let _ = echo.join();
    let mean = rtt.iter().sum::<f64>() / rtt.len() as f64;
    rtt.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = rtt.len();
    println!(
        "{{\"bench\":\"lat\",\"impl\":\"rustls\",\"size\":{size},\"count\":{n},\"p50_us\":{:.2},\"p99_us\":{:.2},\"mean_us\":{:.2},\"label\":\"{}\"}}",
        rtt[n / 2] * 1e6,
        rtt[(n as f64 * 0.99) as usize] * 1e6,
        mean * 1e6,
        o.label
    );
}

/// In memory, the counterpart of sspi_bench.c: client writes, ciphertext goes through a Vec,
/// the server reads. Encryption and decryption timed separately, 8 records per batch.
fn mem(o: &Opts) {
    let (scfg, ccfg) = configs(o);
    let name = ServerName::try_from("localhost").unwrap();
    let mut cli = ClientConnection::new(ccfg, name).unwrap();
    let mut srv = ServerConnection::new(scfg).unwrap();
    let mut wire = Vec::new();
    while cli.is_handshaking() || srv.is_handshaking() {
        wire.clear();
        cli.write_tls(&mut wire).unwrap();
        let mut rd = &wire[..];
        while !rd.is_empty() {
            srv.read_tls(&mut rd).unwrap();
            srv.process_new_packets().unwrap();
        }
        wire.clear();
        srv.write_tls(&mut wire).unwrap();
        let mut rd = &wire[..];
        while !rd.is_empty() {
            cli.read_tls(&mut rd).unwrap();
            cli.process_new_packets().unwrap();
        }
    }
    let suite = cli
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()).replace("TLS13_", "TLS_"))
        .unwrap_or_default();
    let size = o.buf;
    let plain = vec![0u8; size];
    let mut out = vec![0u8; size];
    let (mut te, mut td, mut done) = (0f64, 0f64, 0u64);
    let batch = 8;
    while done < o.bytes {
        wire.clear();
        let t0 = Instant::now();
        for _ in 0..batch {
            cli.writer().write_all(&plain).unwrap();
            cli.write_tls(&mut wire).unwrap();
        }
        te += t0.elapsed().as_secs_f64();
        let t0 = Instant::now();
        let mut rd = &wire[..];
        let mut got = 0usize;
        while !rd.is_empty() {
            srv.read_tls(&mut rd).unwrap();
            srv.process_new_packets().unwrap();
            loop {
                match srv.reader().read(&mut out) {
                    Ok(0) => break,
                    Ok(n) => got += n,
                    Err(_) => break,
                }
            }
        }
        td += t0.elapsed().as_secs_f64();
        assert_eq!(got, size * batch);
        done += (size * batch) as u64;
    }
    let mib = done as f64 / (1u64 << 20) as f64;
    println!(
        "{{\"bench\":\"mem\",\"impl\":\"rustls_mem\",\"bytes\":{done},\"size\":{size},\"suite\":\"{suite}\",\"encrypt_mib_s\":{:.2},\"decrypt_mib_s\":{:.2},\"mib_s\":{:.2},\"label\":\"{}\"}}",
        mib / te,
        mib / td,
        mib / (te + td),
        o.label
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).cloned().unwrap_or_default();
    let mut o = Opts {
        cert: String::new(),
        key: String::new(),
        ca: String::new(),
        cipher: None,
        bytes: 64 << 20,
        buf: 16384,
        count: 10000,
        size: 64,
        label: String::new(),
    };
    let mut i = 2;
    while i + 1 < args.len() {
        let v = args[i + 1].clone();
        match args[i].as_str() {
            "--cert" => o.cert = v,
            "--key" => o.key = v,
            "--ca" => o.ca = v,
            "--cipher" => o.cipher = Some(v),
            "--bytes" => o.bytes = v.parse().unwrap(),
            "--buf" => o.buf = v.parse().unwrap(),
            "--count" => o.count = v.parse().unwrap(),
            "--size" => {
                o.size = v.parse().unwrap();
                o.buf = o.size;
            }
            "--label" => o.label = v,
            "--host" | "--resume" | "--threads" => {}
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    match mode.as_str() {
        "bulk" => bulk(&o),
        "lat" => lat(&o),
        "mem" => mem(&o),
        _ => {
            eprintln!("usage: rustls-direct bulk|lat|mem [options]");
            std::process::exit(2);
        }
    }
}
