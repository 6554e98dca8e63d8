"""Hostile uploads against the upload policy: how long each refusal takes and
how much memory it needs, as ratios to the same run's baselines (a real
photo re-encoded, a real 服务台账 of 1000 rows imported).

    make bench-uploads
    .venv/bin/python -W ignore -m bench.uploads --repeat 5
    .venv/bin/python -W ignore -m bench.uploads --with-unguarded   # also decode the bomb as the old code did (~1 GB)

Each case runs in a fresh process (multiprocessing, spawn) given its input,
so that its peak resident memory (ru_maxrss) is its own; the time is the
median of --repeat runs inside that process. No broker or database is needed."""
import argparse
import io
import multiprocessing
import resource
import statistics
import time

from services.common import known_warnings

known_warnings.quiet()  # before the libraries that warn on import


def _photo():
    from PIL import Image

    image = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _ledger(rows=1000):
    from openpyxl import Workbook

    from services.declarations import ledger_import
    from services.declarations import sections as s

    wb = Workbook()
    ws = wb.active
    ws.title = ledger_import.SHEET
    ws.append([f.label for f in s.LEDGER_SCHEMA])
    row = ["2025-03-15", "创业辅导", "南京某某科技有限公司", "创业计划书辅导", "线下", "会议室", 1, 3, "免费", 0, "满意"]
    for _ in range(rows):
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cases():
    """name -> (make the input, what to do with it)."""
    from services.common import uploads
    from services.declarations import ledger_import
    from tests.support import bombs

    def reencode(data):
        try:
            uploads.reencode_image(data)
        except uploads.BadUpload as exc:
            return str(exc)
        return "re-encoded"

    def parse(data):
        try:
            return f"{len(ledger_import.parse(data))} rows"
        except ledger_import.ImportFailed as exc:
            return exc.message

    def unguarded(data):
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = None
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            img.convert("RGB").save(io.BytesIO(), "PNG", optimize=True)
        return "decoded and re-encoded (the old way)"

    return {
        "baseline: 4000x3000 photo (PNG) re-encoded": (_photo, reencode),
        "PNG claiming 8940x8940 (the whole bomb)": (lambda: bombs.png_bomb(complete=True), reencode),
        "baseline: 服务台账 of 1000 rows imported": (_ledger, parse),
        ".xlsx claiming row 10^12": (bombs.xlsx_far_row, parse),
        ".xlsx with a 33 MB inline string": (bombs.xlsx_huge_inline_string, parse),
        ".xlsx declaring entities (billion laughs)": (bombs.xlsx_entity_expansion, parse),
        "unguarded: the PNG bomb decoded as before": (lambda: bombs.png_bomb(complete=True), unguarded),
    }


def _run(name, data, repeat, queue):
    _make, act = _cases()[name]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    times, outcome = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        outcome = act(data)
        times.append(time.perf_counter() - start)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put((statistics.median(times), len(data), peak / 1024, (peak - before) / 1024, outcome))


def measure(name, repeat):
    data = _cases()[name][0]()  # made here: the case's process holds only the input and its work
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_run, args=(name, data, repeat, queue))
    process.start()
    result = queue.get(timeout=600)
    process.join()
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--with-unguarded", action="store_true",
                        help="also decode the PNG bomb without the policy (slow, about 1 GB of memory)")
    args = parser.parse_args(argv)
    names = [n for n in _cases() if args.with_unguarded or not n.startswith("unguarded")]
    results = {name: measure(name, args.repeat) for name in names}
    image_base = results["baseline: 4000x3000 photo (PNG) re-encoded"][0]
    ledger_base = results["baseline: 服务台账 of 1000 rows imported"][0]
    print(f"{'case':48} {'input':>9} {'median':>10} {'x base':>8} {'peak MB':>8} {'+MB':>6}  outcome")
    for name, (seconds, size, peak, grown, outcome) in results.items():
        base = ledger_base if ".xlsx" in name or "服务台账" in name else image_base
        print(f"{name:48} {size / 1024:8.0f}K {seconds * 1000:8.1f}ms {seconds / base:8.3f} {peak:8.0f} {grown:6.0f}"
              f"  {outcome[:60]}")
    print("x base: the case's time over its baseline's (image cases: the photo; .xlsx cases: the ledger).")
    print("peak MB: the case's process at its largest (imports included); +MB: what the case's work added.")


if __name__ == "__main__":
    main()
