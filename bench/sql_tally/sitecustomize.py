"""Loaded by every Python process bench/statements.py starts (this folder
is put first on their PYTHONPATH): SIGUSR2 starts counting the SQL
statements the process sends, the next SIGUSR2 writes them to
$BENCH_SQL_TALLY/<pid>.json and counting starts over. With BENCH_PROFILE=1
the same window is profiled too (cProfile, written to <pid>.prof)."""
import os

if os.environ.get("BENCH_SQL_TALLY"):
    import collections
    import json
    import re
    import signal
    import sys

    COUNTS = collections.Counter()
    STATE = {"listening": False, "profile": None}

    def normalise(statement):
        statement = re.sub(r"\s+", " ", statement).strip()
        statement = re.sub(r"\(%s(, %s)*\)", "(…)", statement)
        return statement[:160]

    def count(conn, cursor, statement, parameters, context, executemany):
        COUNTS[normalise(statement)] += 1

    def on_signal(signum, frame):
        if not STATE["listening"]:
            from sqlalchemy import event
            from sqlalchemy.engine import Engine

            event.listen(Engine, "before_cursor_execute", count)
            STATE["listening"] = True
            if os.environ.get("BENCH_PROFILE") == "1":
                import cProfile

                STATE["profile"] = cProfile.Profile()
                STATE["profile"].enable()
        else:
            base = os.path.join(os.environ["BENCH_SQL_TALLY"], str(os.getpid()))
            with open(base + ".json", "w", encoding="utf-8") as f:
                json.dump({"argv": sys.argv, "counts": dict(COUNTS)}, f, ensure_ascii=False)
            if STATE["profile"] is not None:
                STATE["profile"].disable()
                STATE["profile"].dump_stats(base + ".prof")
                STATE["profile"] = None
        COUNTS.clear()

    signal.signal(signal.SIGUSR2, on_signal)
