"""bench.py's results as JSON, Markdown tables and gnuplot PNGs."""

import json
import os
import shutil
import subprocess
import sys


def fmt_x(value):
    return "-" if value is None else f"{value:.1f}"


def size_name(size):
    return f"{size // 1024} KiB"


def markdown_table(header, rows, cells):
    """A Markdown table: `header` names the columns, `cells(row)` gives one
    row's values."""
    lines = ["| " + " | ".join(header) + " |",
             "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(cells(r)) + " |" for r in rows]
    return lines


def grid_table(rows):
    return markdown_table(
        ["object", "batch", "GetBatch p50 / p99", "entries/s", "MB/s",
         "TTFB ms", "x seq. GET", "x 16 par.", "x 64 par.", "x nginx 64",
         "% of tar ceiling", "DT peak RSS MiB", "CPU s/GB (DT)"], rows,
        lambda r: [size_name(r["size"]), str(r["batch"]),
                   f"{r['p50_s'] * 1000:.1f} / {r['p99_s'] * 1000:.1f} ms",
                   f"{r['entries_per_s']:.0f}", f"{r['mb_per_s']:.0f}",
                   f"{r['ttfb_ms']:.1f}", fmt_x(r["speedup_vs_seq"]),
                   fmt_x(r["speedup_vs_par16"]), fmt_x(r["speedup_vs_par64"]),
                   fmt_x(r["speedup_vs_nginx64"]),
                   f"{r['pct_of_ceiling']:.0f}",
                   f"{r['dt_peak_rss_mib']:.0f}",
                   f"{r['cpu_s_per_gb']:.1f} ({r['dt_cpu_s_per_gb']:.1f})"])


def formats_table(rows):
    return markdown_table(
        ["entries", "output", "mode", "GetBatch", "MB/s", "TTFB ms",
         "DT CPU s/GB"], rows,
        lambda r: [f"{r['batch']} x {size_name(r['size'])}", r["mime"],
                   "streaming" if r["streaming"] else "multipart",
                   f"{r['getbatch_s'] * 1000:.1f} ms", f"{r['mb_per_s']:.0f}",
                   f"{r['ttfb_ms']:.1f}", f"{r['dt_cpu_s_per_gb']:.1f}"])


def clients_table(rows):
    return markdown_table(
        ["clients", "each asks for", "entries/s (all)", "MB/s (all)",
         "latency p50 / p99", "DT peak RSS MiB"], rows,
        lambda r: [str(r["clients"]), f"{r['batch']} x {size_name(r['size'])}",
                   f"{r['entries_per_s']:.0f}", f"{r['mb_per_s']:.0f}",
                   f"{r['p50_s'] * 1000:.0f} / {r['p99_s'] * 1000:.0f} ms",
                   f"{r['dt_peak_rss_mib']:.0f}"])


def memory_table(rows):
    first = rows[0]

    def per_entry(r):
        """Bytes of peak RSS each entry adds over the smallest batch."""
        if r is first or r["batch"] == first["batch"]:
            return "-"
        grown = (r["dt_peak_rss_mib"] - first["dt_peak_rss_mib"]) * 1048576
        return f"{grown / (r['batch'] - first['batch']):.0f}"

    return markdown_table(
        ["entries", "object", "streamed", "MB/s", "DT RSS at start MiB",
         "DT peak RSS MiB", "bytes per added entry"], rows,
        lambda r: [str(r["batch"]), size_name(r["size"]),
                   f"{r['batch'] * r['size'] / 1e9:.1f} GB",
                   f"{r['mb_per_s']:.0f}",
                   f"{r.get('dt_rss_before_mib', 0):.0f}",
                   f"{r['dt_peak_rss_mib']:.0f}", per_entry(r)])


def pinned_table(rows):
    return markdown_table(
        ["object", "batch", "GetBatch", "MB/s", "TTFB ms", "x seq. GET",
         "% of tar ceiling"], rows,
        lambda r: [size_name(r["size"]), str(r["batch"]),
                   f"{r['getbatch_s'] * 1000:.1f} ms", f"{r['mb_per_s']:.0f}",
                   f"{r['ttfb_ms']:.1f}", f"{r['speedup_vs_seq']:.1f}",
                   f"{r['pct_of_ceiling']:.0f}"])


def plot(rows, key, ylabel, title, png, out):
    dat = os.path.join(out, key + ".dat")
    with open(dat, "w") as f:
        for size in sorted({r["size"] for r in rows}):
            f.write(f'"{size_name(size)}"\n')
            for r in rows:
                if r["size"] == size:
                    f.write(f"{r['batch']} {r[key]:.2f}\n")
            f.write("\n\n")
    subprocess.run(["gnuplot", "-e", f"""
        set terminal pngcairo size 800,500; set output '{png}';
        set logscale x; set xlabel 'entries per batch';
        set ylabel '{ylabel}'; set key left top; set title '{title}';
        plot for [i=0:*] '{dat}' index i using 1:2 with linespoints
             title columnheader(1)"""], check=True)
    print(f"[bench] plot: {png}", file=sys.stderr)


def write_report(result, out):
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "bench.json"), "w") as f:
        json.dump(result, f, indent=1)
    m = result["machine"]
    text = [f"Machine: {m['cpus']} x {m['model']}, kernel {m['kernel']}, "
            f"{m['date']}; the whole run took {m['minutes']} minutes.", "",
            "### Object size x batch size (TAR, streaming, one client)", ""]
    text += grid_table(result["grid"])
    text += ["", "### Output formats", ""] + formats_table(result["formats"])
    text += ["", "### Concurrent clients", ""] + clients_table(
        result["clients"])
    if result.get("memory"):
        text += ["", "### Memory: one batch, many times the same objects", ""]
        text += memory_table(result["memory"])
    if result["pinned"]:
        text += ["", "### Cluster on CPU 0, client on CPU 1", ""]
        text += pinned_table(result["pinned"])
    table = "\n".join(text) + "\n"
    with open(os.path.join(out, "bench.md"), "w") as f:
        f.write(table)
    print(table)
    if shutil.which("gnuplot"):
        grid = result["grid"]
        plot(grid, "speedup_vs_seq", "speedup over sequential GETs",
             "moss GetBatch vs sequential GETs (same objects, one run)",
             os.path.join(out, "speedup.png"), out)
        plot(grid, "pct_of_ceiling", "% of the tar-to-socket ceiling",
             "moss GetBatch vs GNU tar into a socket (same files, one run)",
             os.path.join(out, "ceiling.png"), out)
