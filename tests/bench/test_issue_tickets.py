"""The benchmark's reading of wrk's report (the benchmark itself runs outside the suite)."""

from __future__ import annotations

import pytest

from bench.issue_tickets import parse_wrk

REPORT = """Running 10s test @ http://127.0.0.1:40123/api/tickets
  1 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    31.02ms   12.40ms 180.33ms   80.12%
    Req/Sec   516.48     60.20   640.00     71.00%
  Latency Distribution
     50%   28.61ms
     75%   35.90ms
     90%   45.02ms
     99%    1.02s
  5166 requests in 10.01s, 2.53MB read
  Socket errors: connect 0, read 2, write 0, timeout 3
  Non-2xx or 3xx responses: 7
Requests/sec:    516.10
Transfer/sec:    259.02KB
"""


def test_reads_throughput_percentiles_and_errors() -> None:
    result = parse_wrk(REPORT)
    assert (result.requests, result.seconds) == (5166, 10.01)
    assert (result.p50_ms, result.p99_ms) == (28.61, 1020.0)
    assert (result.non_2xx, result.socket_errors) == (7, 5)


def test_a_clean_run_has_no_errors_and_microsecond_latencies() -> None:
    clean = REPORT.replace("     50%   28.61ms", "     50%  812.00us")
    clean = "\n".join(line for line in clean.splitlines() if "errors" not in line)
    clean = clean.replace("  Non-2xx or 3xx responses: 7\n", "")
    result = parse_wrk(clean)
    assert (result.p50_ms, result.non_2xx, result.socket_errors) == (0.812, 0, 0)


def test_refuses_what_is_not_a_latency_report() -> None:
    with pytest.raises(ValueError, match="wrk"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")
