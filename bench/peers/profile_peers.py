"""Peers for `triage_bench profile`, each run as its own process.

    python profile_peers.py polars CSV        # plain polars read; prints its seconds
    python profile_peers.py scan CSV          # a streaming scan; prints its seconds
    python profile_peers.py ydata CSV OUT     # ydata-profiling, minimal=True
"""
import sys
import time


def main() -> None:
    which, csv = sys.argv[1], sys.argv[2]
    if which == "polars":
        import polars as pl

        start = time.perf_counter()
        df = pl.read_csv(csv, try_parse_dates=True)
        print(time.perf_counter() - start)
        assert df.height > 0
    elif which == "scan":
        import polars as pl

        # Every column parsed (a maximum of each), nothing kept: the
        # plainest streaming read.
        start = time.perf_counter()
        out = (
            pl.scan_csv(csv, try_parse_dates=True)
            .select(pl.all().max())
            .collect(engine="streaming")
        )
        print(time.perf_counter() - start)
        assert out.height == 1
    elif which == "ydata":
        import pandas as pd
        from ydata_profiling import ProfileReport

        df = pd.read_csv(csv)
        report = ProfileReport(df, minimal=True, progress_bar=False)
        with open(sys.argv[3], "w") as out:
            out.write(report.to_json())
    else:
        raise SystemExit(f"unknown peer {which}")


if __name__ == "__main__":
    main()
