#!/usr/bin/env python3
# Where the CPU of a benchmark went, per process (client, each silo) and per component (GC and runtime, kernel
# scheduler, network, disk, SQLite, Orleans messaging and serialization, our Raft code, ...), from a system-wide perf
# recording (docs/benchmarks.md, "Session 9"):
#
#   DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0 <start the silos and the client>
#   ps -eo pid,args | grep -E "Raft.Silo.dll|raft-client.dll" > pids.txt
#   perf record -F 499 -a -g -o perf.data -- sleep 20
#   perf script -i perf.data -F pid,ip,sym,dso -G > samples.txt
#   scripts/perf-by-process.py samples.txt pids.txt
#
# Frames inside libcoreclr resolve only with its symbols installed; without them they count as "runtime: other".
import re, sys, collections
path, pids_path = sys.argv[1], sys.argv[2]
names = {}
for line in open(pids_path):
    parts = line.split(None, 1)
    if len(parts) < 2: continue
    pid, args = parts
    if 'timeout' in args.split()[0]: continue
    m = re.search(r'SiloName=(s\d)', args)
    names[pid] = ('silo ' + m.group(1)) if m else ('client' if 'raft-client' in args else args[:30])
line_re = re.compile(r'^\s*(\d+)\s+([0-9a-f]+)\s+(.*)\s+\(([^()]*)\)\s*$')
def category(dso, sym):
    if dso.startswith('[kernel'):
        if re.search(r'ext4|jbd2|blk_|nvme|fsync|bio|virtblk|iomap|filemap|writeback|page_cache|folio', sym): return 'kernel: disk, fsync, page cache'
        if re.search(r'tcp|sock|skb|ip_|ipv|net_|netif|__dev_|loopback|epoll|ep_|inet|sk_', sym): return 'kernel: network, epoll'
        if re.search(r'futex|schedule|sched|wake|__switch|finish_task|pick_next|enqueue|dequeue|pvm_|irq|hrtimer', sym): return 'kernel: scheduler, futex, irq'
        return 'kernel: other'
    if 'sqlite' in dso: return 'SQLite (native)'
    if 'libclrjit' in dso: return 'JIT compiler'
    if 'libcoreclr' in dso:
        if re.search(r'WKS::|SVR::|gc_heap|GCHeap|gc::|mark_|plan_phase|relocate|GCToEE|memclr', sym): return 'runtime: GC'
        return 'runtime: other (allocation, casts, stubs, thread waits)'
    if re.search(r'libc[.-]|libc\.so|libpthread|ld-linux|libstdc', dso): return 'libc'
    m = re.search(r'\[([A-Za-z0-9_.]+)\]', sym)
    asm = m.group(1) if m else ''
    if asm.startswith('Orleans.Serialization'): return 'Orleans serialization'
    if asm.startswith('Orleans'): return 'Orleans runtime (messaging, scheduling, calls)'
    if asm.startswith('Raft.'): return 'Raft code (ours)'
    if asm.startswith('Microsoft.Data.Sqlite') or asm.startswith('SQLitePCL'): return 'SQLite (managed)'
    if asm.startswith('System.Net') or asm.startswith('Microsoft.AspNetCore') or asm.startswith('System.IO.Pipelines'): return 'sockets, pipelines (managed)'
    if asm.startswith('System.Private.CoreLib'): return 'CoreLib (tasks, thread pool, collections, memmove)'
    if asm: return 'other managed: ' + asm.split('.')[0]
    if 'perf-' in dso or dso == 'unknown': return 'managed, unresolved'
    return 'other native: ' + dso.split('/')[-1]
counts = collections.defaultdict(collections.Counter)
total = 0
for line in open(path):
    m = line_re.match(line)
    if not m: continue
    pid, ip, sym, dso = m.groups()
    total += 1
    counts[names.get(pid, 'other processes')][category(dso, sym)] += 1
print(f"{total} samples")
for who, c in sorted(counts.items(), key=lambda kv: -sum(kv[1].values())):
    t = sum(c.values())
    print(f"\n{who}: {100*t/total:.1f}% of all samples")
    for cat, v in c.most_common():
        if 100*v/t >= 1.0: print(f"  {100*v/t:5.1f}%  {cat}")
