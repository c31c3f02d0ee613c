#!/usr/bin/env python3
"""CPU a command costs, split into its own and that of the servers it talks to (issue 15).

    python3 bench/cpu_of_run.py PGIDS_FILE -- COMMAND...

Runs COMMAND once (its output discarded) and prints one line: its wall time, its own CPU (user +
kernel, from its rusage) and the CPU the server processes spent meanwhile (every process whose
process group is listed in PGIDS_FILE, one per line, read from /proc before and after), in
seconds. On 2 cores the wall time of a CPU-bound run cannot go below (own + servers) / 2.
Figures only; asserts nothing.
"""

import os
import resource
import subprocess
import sys
import time


def server_ticks(pgids):
    total = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) in pgids:
            total += int(fields[11]) + int(fields[12])
    return total


def main():
    if len(sys.argv) < 4 or sys.argv[2] != "--":
        sys.exit("usage: cpu_of_run.py PGIDS_FILE -- COMMAND...")
    with open(sys.argv[1], encoding="ascii") as f:
        pgids = {int(line) for line in f if line.strip()}
    hz = os.sysconf("SC_CLK_TCK")
    before = server_ticks(pgids)
    usage0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    subprocess.run(sys.argv[3:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.monotonic() - t0
    usage1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    servers = (server_ticks(pgids) - before) / hz
    own = (usage1.ru_utime - usage0.ru_utime) + (usage1.ru_stime - usage0.ru_stime)
    cores = os.cpu_count() or 1
    print(
        f"wall {wall:.2f} s, own CPU {own:.2f} s, servers' CPU {servers:.2f} s: "
        f"CPU-bound floor on {cores} cores {(own + servers) / cores:.2f} s"
    )


if __name__ == "__main__":
    main()
