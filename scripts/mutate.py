#!/usr/bin/env python3
"""The mutation harness behind scripts/mutate.sh (see docs/mutation.md).

Copies the repository (its tracked and untracked-but-not-ignored files, as they are in the work tree) into a scratch
directory, builds it once (Release), runs the selected suites on the unmutated copy (the baseline), then for each
planted bug of scripts/mutations.py: applies it (an exact-text replacement that must match exactly once), builds,
runs the end-to-end selection (simulated suites and the explorer) and then the unit tests, and restores the file.
The real tree is never written to. The last line of the output is "N planted, K caught".
"""

import argparse
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from mutations import MUTATIONS  # noqa: E402

# The end-to-end selection, deterministic and in virtual time: the simulated lab 3 tests, the simulated key-value
# tests, Raft.Tests/Simulation and the fault explorer. A mutation counts as caught only when this selection fails.
# (A "(A&B)|C" filter with parentheses matched none of the lab 3 tests under vstest, hence the flat list.)
SIMULATED_FILTER = "|".join([
    "FullyQualifiedName~Raft.Tests.Lab3.Lab3ASimulated.",
    "FullyQualifiedName~Raft.Tests.Lab3.Lab3BSimulated.",
    "FullyQualifiedName~Raft.Tests.Lab3.Lab3CSimulated.",
    "FullyQualifiedName~Raft.Tests.Lab3.Lab3DSimulated.",
    "FullyQualifiedName~Raft.Tests.KeyValue.KvServiceTestsSimulated.",
    "FullyQualifiedName~Raft.Tests.Simulation.",
    "FullyQualifiedName~Raft.Tests.Explorer.",
])

# Reported separately: does a unit test of the core or of the driver see the bug?
UNIT_FILTER = "FullyQualifiedName~Raft.Tests.Protocol.|FullyQualifiedName~Raft.Tests.Peer."

TEST_PROJECT = "Raft.Tests/Raft.Tests.csproj"
TEST_DLL = "Raft.Tests/bin/Release/net10.0/Raft.Tests.dll"

# No build servers or reused MSBuild nodes outlive a command: everything the harness starts ends with it.
CHILD_ENV = {
    "MSBUILDDISABLENODEREUSE": "1",
    "DOTNET_CLI_USE_MSBUILD_SERVER": "0",
    "UseSharedCompilation": "false",
    "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
    "DOTNET_NOLOGO": "1",
    "DOTNET_SKIP_FIRST_TIME_EXPERIENCE": "1",
}

# "  Failed Raft.Tests.X.Y [12 ms]", and for a theory case "  Passed Raft.Tests.X.Y(reliable: True) [109 ms]".
FAILED_LINE = re.compile(r"^\s*Failed\s+(\S.*?)\s+\[[^\]]*\]\s*$")
PASSED_LINE = re.compile(r"^\s*Passed\s+(\S.*?)\s+\[[^\]]*\]\s*$")
TOTAL_LINE = re.compile(r"^\s*Total tests:\s*(\d+)")
NO_MATCH = "No test matches the given testcase filter"


class HarnessError(Exception):
    """The harness itself failed (not a mutation's result)."""


class Interrupted(Exception):
    pass


def on_signal(signum, _frame):
    raise Interrupted(f"signal {signum}")


@dataclass
class TestRun:
    status: str  # passed | failed | errored | timed out | no tests
    seconds: float
    failed: list = field(default_factory=list)
    message: str = ""
    passed: int = 0
    log: str = ""

    @property
    def caught(self):
        return self.status in ("failed", "errored")

    def describe_by(self):
        """For a caught run: the failing test(s) and the first message, or why the run errored."""
        if self.status == "failed":
            names = ", ".join(short(n) for n in self.failed[:4]) + (" ..." if len(self.failed) > 4 else "")
            return names + (f": {self.message}" if self.message else "")
        return f"run errored: {self.message}"

    def describe(self):
        if self.status == "failed":
            names = ", ".join(short(n) for n in self.failed[:4]) + (" ..." if len(self.failed) > 4 else "")
            text = f"{names} ({self.seconds:.0f} s)"
            return text + (f": {self.message}" if self.message else "")
        if self.status == "errored":
            return f"run errored after {self.seconds:.0f} s: {self.message}"
        if self.status == "timed out":
            return f"timed out after {self.seconds:.0f} s ({self.passed} passed)"
        if self.status == "no tests":
            return "no test matched the filter"
        return f"{self.passed} passed ({self.seconds:.0f} s)"


@dataclass
class Result:
    name: str
    outcome: str  # caught | not caught | timed out | did not apply | did not build | skipped
    e2e: TestRun | None = None
    unit: TestRun | None = None
    detail: str = ""
    build_seconds: float = 0.0


def short(test_name):
    # Raft.Tests.Lab3.Lab3CSimulated.Figure8Unreliable3C -> Lab3CSimulated.Figure8Unreliable3C
    parts = test_name.split("(")[0].split(".")
    return ".".join(parts[-2:]) if len(parts) >= 2 else test_name


class Harness:
    def __init__(self, args):
        self.args = args
        self.repo = Path(subprocess.check_output(["git", "rev-parse", "--show-toplevel"], text=True,
                                                 cwd=Path(__file__).resolve().parent).strip())
        self.scratch = None
        self.logs = None
        self.current = None  # the process group running now
        self.originals = {}

    # --- processes -----------------------------------------------------------------------------------------------

    def env(self):
        env = dict(os.environ)
        env.update(CHILD_ENV)
        if self.args.first_seed is not None:
            env["RAFT_EXPLORER_FIRST_SEED"] = str(self.args.first_seed)
        if self.args.seeds is not None:
            env["RAFT_EXPLORER_SEEDS"] = str(self.args.seeds)
        return env

    def kill_group(self, proc):
        """Ends the process group the harness started for proc (the command, its test host, MSBuild nodes)."""
        if proc is None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None and not group_alive(proc.pid):
                return
            time.sleep(0.2)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def execute(self, cmd, log_path, time_limit, on_line):
        """
        Runs cmd in the scratch copy in a process group of its own, its output to log_path and, line by line, to
        on_line(line, seconds since the start), which returns True to stop the command. The group is ended afterwards
        in every case. Returns (exit code, or None when stopped or past the time limit; seconds; whether it timed out).
        """
        started = time.monotonic()
        with open(log_path, "w", encoding="utf-8", errors="replace") as log:
            proc = subprocess.Popen(cmd, cwd=self.scratch, env=self.env(), stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, errors="replace", bufsize=1,
                                    start_new_session=True)
            self.current = proc
            stopped = False
            try:
                for line in iter_lines(proc, started + time_limit):
                    log.write(line)
                    if on_line(line, time.monotonic() - started):
                        stopped = True
                        break
                timed_out = proc.poll() is None and not stopped
                code = None if stopped or timed_out else proc.returncode
            finally:
                self.kill_group(proc)
                self.current = None
        return code, time.monotonic() - started, timed_out

    def build(self, label, time_limit):
        """Builds the test project and what it references. Returns (ok, seconds, first error or why not)."""
        cmd = ["dotnet", "build", TEST_PROJECT, "-c", "Release", "-nologo", "-v", "quiet", "-nodeReuse:false",
               "-p:UseSharedCompilation=false"]
        lines = []
        code, seconds, timed_out = self.execute(cmd, self.logs / f"{label}.build.log", time_limit,
                                                lambda line, _: lines.append(line.rstrip()))
        if timed_out:
            return False, seconds, f"build timed out after {seconds:.0f} s"
        if code != 0:
            errors = [l.strip() for l in lines if ": error " in l]
            summary = errors[0] if errors else (lines[-1] if lines else f"exit code {code}")
            return False, seconds, shorten(summary, 300)
        return True, seconds, ""

    def run_tests(self, label, test_filter, time_limit, stop_first):
        """Runs the selected tests of the built scratch copy; stops at the first failure when stop_first."""
        cmd = ["dotnet", "test", TEST_DLL, "--filter", test_filter, "--logger", "console;verbosity=normal"]
        log_path = self.logs / f"{label}.log"
        seen = {"failed": [], "passed": 0, "total": None, "tail": [], "first": None, "message": "",
                "want_message": False, "no_match": False}

        def on_line(line, elapsed):
            stripped = line.strip()
            seen["tail"] = (seen["tail"] + [stripped])[-40:]
            if seen["want_message"] and stripped and stripped != "Error Message:":
                seen["message"] = shorten(stripped, 240)
                seen["want_message"] = False
                return stop_first
            m = FAILED_LINE.match(line)
            if m:
                seen["failed"].append(m.group(1))
                if seen["first"] is None:
                    seen["first"] = elapsed
                    seen["want_message"] = True
                return False
            if PASSED_LINE.match(line):
                seen["passed"] += 1
            m = TOTAL_LINE.match(line)
            if m:
                seen["total"] = int(m.group(1))
            if NO_MATCH in line:
                seen["no_match"] = True
            return False

        code, seconds, timed_out = self.execute(cmd, log_path, time_limit, on_line)
        failed, passed, message, tail = seen["failed"], seen["passed"], seen["message"], seen["tail"]
        if failed:
            return TestRun("failed", seen["first"], failed, message, passed, str(log_path))
        if timed_out:
            return TestRun("timed out", seconds, passed=passed, log=str(log_path))
        if seen["no_match"] or seen["total"] == 0:
            return TestRun("no tests", seconds, log=str(log_path))
        if code != 0:
            reason = next((l for l in reversed(tail) if "aborted" in l.lower() or "crash" in l.lower()), None) \
                or next((l for l in reversed(tail) if l), f"exit code {code}")
            return TestRun("errored", seconds, message=shorten(reason, 240), passed=passed, log=str(log_path))
        return TestRun("passed", seconds, passed=passed, log=str(log_path))

    # --- the scratch copy ----------------------------------------------------------------------------------------

    def make_scratch(self):
        self.scratch = Path(tempfile.mkdtemp(prefix="raft-mutate-"))
        files = subprocess.check_output(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                                        cwd=self.repo).split(b"\0")
        copied = 0
        for name in files:
            if not name:
                continue
            rel = name.decode()
            source = self.repo / rel
            if not source.is_file():  # deleted in the work tree, or a submodule
                continue
            target = self.scratch / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
            copied += 1
        print(f"scratch copy: {self.scratch} ({copied} files from {self.repo}, work tree as it is now)", flush=True)

    def apply(self, mutation):
        """Applies one mutation to the scratch copy. Returns None, or why it did not apply."""
        path = self.scratch / mutation.file
        if not path.is_file():
            return f"{mutation.file} does not exist"
        text = path.read_text(encoding="utf-8")
        count = text.count(mutation.old)
        if count != 1:
            return f"the old text occurs {count} times in {mutation.file} (it must occur exactly once)"
        self.originals[path] = text
        path.write_text(text.replace(mutation.old, mutation.new, 1), encoding="utf-8")
        return None

    def restore(self):
        for path, text in self.originals.items():
            path.write_text(text, encoding="utf-8")
        self.originals = {}

    def cleanup(self):
        if self.current is not None:
            self.kill_group(self.current)
            self.current = None
        if self.scratch is not None and not self.args.keep_scratch:
            shutil.rmtree(self.scratch, ignore_errors=True)

    # --- the run -------------------------------------------------------------------------------------------------

    def selected(self):
        if not self.args.only:
            return list(MUTATIONS)
        names = [n for part in self.args.only for n in part.split(",") if n]
        known = {m.name: m for m in MUTATIONS}
        unknown = [n for n in names if n not in known]
        if unknown:
            raise HarnessError(f"unknown mutation(s): {', '.join(unknown)} (known: {', '.join(known)})")
        return [known[n] for n in names]

    def run(self):
        mutations = self.selected()
        names = [m.name for m in mutations]
        if len(set(names)) != len(names):
            raise HarnessError("two mutations share a name")
        self.logs = Path(self.args.log_dir or tempfile.mkdtemp(prefix="raft-mutate-logs-"))
        self.logs.mkdir(parents=True, exist_ok=True)
        limit = self.args.timeout * 60
        print(f"logs: {self.logs}", flush=True)
        print(f"end-to-end filter: {self.args.filter}", flush=True)
        if not self.args.check:
            print(f"unit filter: {self.args.unit_filter if self.args.unit else '(unit tests not run)'}", flush=True)
            seeds = (f"explorer seeds: first {self.args.first_seed or 'default'}, "
                     f"count {self.args.seeds or 'default (the test CI range)'}")
            print(seeds + f"; per-mutation time limit {self.args.timeout:g} min; "
                  f"{'every selected test runs' if self.args.keep_going else 'stops at the first failing test'}",
                  flush=True)
        self.make_scratch()
        clock = time.monotonic()

        ok, seconds, error = self.build("baseline", limit * 2)
        if not ok:
            raise HarnessError(f"the unmutated copy does not build ({seconds:.0f} s): {error}")
        print(f"baseline build: {seconds:.0f} s", flush=True)

        unit_filter = self.args.unit_filter
        if not self.args.check and not self.args.no_baseline:
            base = self.run_tests("baseline.e2e", self.args.filter, limit, stop_first=False)
            print(f"baseline end-to-end: {base.status}, {base.describe()}", flush=True)
            if base.status != "passed":
                raise HarnessError(f"the unmutated copy does not pass the end-to-end selection ({base.status}: "
                                   f"{base.describe()}); see {base.log}")
            if self.args.unit:
                base_unit = self.run_tests("baseline.unit", unit_filter, limit, stop_first=False)
                print(f"baseline unit: {base_unit.status}, {base_unit.describe()}", flush=True)
                if base_unit.status == "failed":
                    # Tests failing without any mutation say nothing about one: leave them out.
                    excluded = sorted(set(base_unit.failed))
                    print(f"  leaving out of the unit runs the tests that fail unmutated: {', '.join(excluded)}",
                          flush=True)
                    unit_filter = "(" + unit_filter + ")&" + "&".join(
                        f"FullyQualifiedName!={name}" for name in excluded)
                elif base_unit.status != "passed":
                    raise HarnessError(f"the unit tests of the unmutated copy {base_unit.status}: {base_unit.describe()}")

        results = []
        for number, mutation in enumerate(mutations, 1):
            label = f"{number:02d}-{mutation.name}"
            print(f"[{number}/{len(mutations)}] {mutation.name} ({mutation.file}): {mutation.what}", flush=True)
            problem = self.apply(mutation)
            if problem is not None:
                result = Result(mutation.name, "did not apply", detail=problem)
                print(f"  DID NOT APPLY: {problem}", flush=True)
                results.append(result)
                continue
            try:
                ok, seconds, error = self.build(label, limit)
                if not ok:
                    result = Result(mutation.name, "did not build", detail=error, build_seconds=seconds)
                    print(f"  DID NOT BUILD ({seconds:.0f} s): {error}", flush=True)
                    results.append(result)
                    continue
                print(f"  built in {seconds:.0f} s", flush=True)
                if self.args.check:
                    results.append(Result(mutation.name, "applies and builds", build_seconds=seconds))
                    continue
                e2e = self.run_tests(label + ".e2e", self.args.filter, limit, not self.args.keep_going)
                outcome = "caught" if e2e.caught else ("timed out" if e2e.status == "timed out" else "not caught")
                if e2e.status == "no tests":
                    raise HarnessError(f"the end-to-end filter matched no test for {mutation.name}")
                print(f"  end-to-end: {outcome.upper()}: {e2e.describe()}", flush=True)
                unit = None
                if self.args.unit:
                    unit = self.run_tests(label + ".unit", unit_filter, limit, not self.args.keep_going)
                    print(f"  unit: {'caught' if unit.caught else unit.status}: {unit.describe()}", flush=True)
                results.append(Result(mutation.name, outcome, e2e, unit, build_seconds=seconds))
            finally:
                self.restore()

        elapsed = time.monotonic() - clock
        return results, elapsed


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def iter_lines(proc, deadline):
    """The process's output lines until it ends or the deadline passes (the caller then ends the group)."""
    lines = queue.Queue()

    def pump():
        try:
            for line in proc.stdout:
                lines.put(line)
        finally:
            lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return
        try:
            line = lines.get(timeout=min(remaining, 5))
        except queue.Empty:
            continue
        if line is None:
            proc.wait()
            return
        yield line


def shorten(text, limit):
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def report(results, elapsed, args, markdown_path):
    print(flush=True)
    if args.check:
        good = sum(1 for r in results if r.outcome == "applies and builds")
        for r in results:
            print(f"{r.name:34} {r.outcome}{': ' + r.detail if r.detail else ''}")
        print(f"\ntotal {elapsed:.0f} s")
        print(f"{len(results)} checked, {good} apply and build", flush=True)
        return good == len(results)

    rows = []
    for r in results:
        if r.e2e is None:
            by, seconds = r.detail, "-"
        elif r.e2e.caught:
            by, seconds = r.e2e.describe_by(), f"{r.e2e.seconds:.0f}"
        else:
            by, seconds = r.e2e.describe(), "-"
        unit = (("caught: " + r.unit.describe_by() + f" ({r.unit.seconds:.0f} s)") if r.unit.caught
                else r.unit.describe()) if r.unit else "-"
        rows.append((r.name, r.outcome, by, seconds, unit))
    print("mutation | end to end | by (first failing test: message) | seconds to catch | unit tests (Protocol, Peer)")
    for row in rows:
        print(" | ".join(row))
    if markdown_path:
        with open(markdown_path, "w", encoding="utf-8") as out:
            out.write("| mutation | end to end | by (first failing test: message) | seconds to catch | unit tests (Protocol, Peer) |\n")
            out.write("|---|---|---|---|---|\n")
            for row in rows:
                out.write("| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |\n")
    caught = sum(1 for r in results if r.outcome == "caught")
    broken = [r.name for r in results if r.outcome in ("did not apply", "did not build")]
    if broken:
        print(f"\nMUTATIONS THAT DID NOT APPLY OR BUILD (fix scripts/mutations.py): {', '.join(broken)}")
    print(f"\ntotal {elapsed:.0f} s")
    print(f"{len(results)} planted, {caught} caught", flush=True)
    return True


def main():
    parser = argparse.ArgumentParser(prog="scripts/mutate.sh", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", action="append", metavar="NAME[,NAME]", help="run only these mutations")
    parser.add_argument("--list", action="store_true", help="list the mutations and exit")
    parser.add_argument("--check", action="store_true",
                        help="only check that every mutation applies and the mutated tree builds (exit 1 if not)")
    parser.add_argument("--filter", default=SIMULATED_FILTER,
                        help="the end-to-end test filter (dotnet test --filter syntax); default: the simulated suites")
    parser.add_argument("--unit-filter", default=UNIT_FILTER, help="the unit test filter, reported separately")
    parser.add_argument("--no-unit", dest="unit", action="store_false", help="do not run the unit tests")
    parser.add_argument("--first-seed", type=int, help="RAFT_EXPLORER_FIRST_SEED for the explorer")
    parser.add_argument("--seeds", type=int, help="RAFT_EXPLORER_SEEDS for the explorer")
    parser.add_argument("--timeout", type=float, default=15, metavar="MINUTES",
                        help="time limit of each test run of a mutation (default 15); past it: timed out, not caught")
    parser.add_argument("--keep-going", action="store_true",
                        help="run every selected test instead of stopping at the first failing one")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run of the unmutated copy")
    parser.add_argument("--markdown", metavar="FILE", help="also write the result table as markdown")
    parser.add_argument("--log-dir", metavar="DIR", help="where the build and test logs go (default: a new temp dir)")
    parser.add_argument("--keep-scratch", action="store_true", help="leave the scratch copy for inspection")
    args = parser.parse_args()

    if args.list:
        for m in MUTATIONS:
            print(f"{m.name:34} {m.area:12} {m.file}: {m.what}")
        print(f"{len(MUTATIONS)} mutations")
        return 0

    # Heavy work on a shared machine: at least nice 10 for everything started from here.
    current = os.nice(0)
    if current < 10:
        os.nice(10 - current)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    harness = Harness(args)
    try:
        results, elapsed = harness.run()
    except HarnessError as error:
        print(f"HARNESS FAILED: {error}", flush=True)
        return 2
    except Interrupted as stop:
        print(f"HARNESS STOPPED by {stop}", flush=True)
        return 3
    finally:
        harness.cleanup()
    ok = report(results, elapsed, args, args.markdown)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
