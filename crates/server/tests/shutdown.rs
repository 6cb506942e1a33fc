//! Graceful shutdown: once the signal comes, the server stops accepting connections
//! but answers the requests already in flight.

mod common;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[test]
fn shutdown_answers_requests_in_flight_then_stops() {
    let h = common::sqlite();
    common::runtime().block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(verity_server::serve(
            listener,
            h.state.clone(),
            async move {
                let _ = stopped.await;
            },
            Duration::from_secs(30),
        ));
        // The first assessment is slow (a Monte Carlo per report date): it is still
        // being computed when the shutdown starts.
        let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
        conn.write_all(b"GET /api/v1/assessments HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(30)).await;
        let t0 = Instant::now();
        stop.send(()).unwrap();
        let mut answer = Vec::new();
        conn.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 200"),
            "{}",
            &answer[..answer.len().min(200)]
        );
        assert!(answer.contains("\"verdicts\""));
        tokio::time::timeout(Duration::from_secs(30), server)
            .await
            .expect("the server stops once its requests are answered")
            .unwrap()
            .unwrap();
        println!(
            "in-flight request answered {:?} after the shutdown signal",
            t0.elapsed()
        );
        assert!(
            tokio::net::TcpStream::connect(addr).await.is_err(),
            "no new connections after shutdown"
        );
    });
}
