#!/usr/bin/env bash
# The launcher's side of the error contract, checked through ./vecrnn itself (the cli suites call the
# commands in process and never see what the JVM prints before main): a refused command writes exactly
# one line to stderr, naming the option, and exits 2; a command that succeeds writes nothing to stderr.
# Run by .ci/run after the build; needs the jars in place (./vecrnn builds them otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failed=0

# expect STATUS PATTERN LINES -- ARGS...: the status, stderr's line count, and a pattern stderr must hold
# (stdout to $EXPECT_STDOUT where set)
expect() {
    local want_rc="$1" pattern="$2" want_lines="$3"; shift 4
    local rc=0
    ./vecrnn "$@" > "${EXPECT_STDOUT:-$work/out}" 2> "$work/err" < /dev/null || rc=$?
    local lines
    lines="$(wc -l < "$work/err")"
    if [[ "$rc" != "$want_rc" || "$lines" != "$want_lines" ]] || { [[ -n "$pattern" ]] && ! grep -q -e "$pattern" "$work/err"; }; then
        echo "check_launcher: ./vecrnn $*: expected status $want_rc and $want_lines line(s) on stderr matching '$pattern'," \
             "got status $rc and $lines:" >&2
        sed 's/^/  | /' "$work/err" >&2
        failed=1
    fi
}

# two launchers started together on stale jars (a script running commands in parallel after a pull): they
# build one at a time, the second finding the jars fresh, where two Maven builds at once in one tree failed
# ("Could not replace original artifact with shaded artifact", exit 1) or ran a half-written jar
touch cli/src/main/java/dev/vecrnn/cli/Main.java
for i in 1 2; do
    (rc=0; ./vecrnn fit --help > "$work/par$i.out" 2> "$work/par$i.err" < /dev/null || rc=$?; echo "$rc" > "$work/par$i.rc") &
done
wait
for i in 1 2; do
    if [[ "$(cat "$work/par$i.rc")" != 0 || -s "$work/par$i.err" ]]; then
        echo "check_launcher: launcher $i of 2 started together on stale jars: expected status 0 and nothing on stderr," \
             "got status $(cat "$work/par$i.rc"):" >&2
        sed 's/^/  | /' "$work/par$i.err" | head -5 >&2
        failed=1
    fi
done

# a source newer than the jars: the launcher rebuilds first, and says nothing about it on a non-terminal stderr
touch cli/src/main/java/dev/vecrnn/cli/Main.java
expect 2 '^vecrnn fit: --epochs' 1 -- fit --x "$work/none.npy" --y "$work/none.npy" --task regression --out "$work/m" --epochs 0
expect 2 '^vecrnn infer: --model' 1 -- infer --model "$work/none" --input "$work/x.npy" --out "$work/o"
expect 2 '^vecrnn predict: --model' 1 -- predict --model "$work/none" --x "$work/x.npy" --out "$work/p.npy"
expect 2 '^vecrnn: unknown command' 1 -- frobnicate
expect 2 '^vecrnn: expected a command' 1 --
expect 0 '' 0 -- fit --help
# `help COMMAND` is `COMMAND --help` (git's and picocli's reading), refused in one line for anything else
expect 0 '' 0 -- help fit
grep -q '^Usage: vecrnn fit ' "$work/out" || { echo "check_launcher: ./vecrnn help fit: expected fit's usage on stdout" >&2; failed=1; }
expect 2 "^vecrnn help: unknown command 'nope'" 1 -- help nope
expect 2 '^vecrnn help: expected one command' 1 -- help fit extra
expect 0 '' 0 -- help help
# kernel-demo and bench run through the same filter, refuse in one line and have --help too
expect 2 '^vecrnn kernel-demo: takes no options' 1 -- kernel-demo --bogus
expect 0 '' 0 -- kernel-demo --help
expect 2 "^vecrnn bench --table: unknown option '--bogus'" 1 -- bench --table --bogus
expect 2 "^vecrnn bench --table: no benchmark row 'nosuchrow'" 1 -- bench --table --only nosuchrow
expect 2 "^vecrnn bench: unknown option '-bogus'" 1 -- bench -bogus
expect 2 "^vecrnn bench: --widths: an option of bench --table" 1 -- bench --widths native
expect 2 "^vecrnn bench --gate: unknown option '--table'" 1 -- bench --gate --table
expect 2 "^vecrnn bench --gate: .*: a directory" 1 -- bench --gate --baseline "$work"
expect 0 '' 0 -- --version
expect 0 '' 0 -- bench --gate --help
# a stdout that cannot be written (a full disk) is one line and exit 2, the launcher's own usage text as the JVM's
# commands: cat said "cat: write error: ..." and exited 1, the JVM exited 0 and said nothing; a closed pipe stays quiet
if [[ -w /dev/full ]]; then
    full='cannot write standard output: No space left on device$'
    EXPECT_STDOUT=/dev/full expect 2 "^vecrnn: $full" 1 -- --help
    EXPECT_STDOUT=/dev/full expect 2 "^vecrnn: $full" 1 -- help help
    EXPECT_STDOUT=/dev/full expect 2 "^vecrnn kernel-demo: $full" 1 -- kernel-demo --help
    EXPECT_STDOUT=/dev/full expect 2 "^vecrnn: $full" 1 -- --version
    EXPECT_STDOUT=/dev/full expect 2 "^vecrnn fit: $full" 1 -- fit --help
fi
for args in --help --version "fit --help"; do
    # shellcheck disable=SC2086  # the words of a command line
    err="$( { ./vecrnn $args < /dev/null | true; } 2>&1 > /dev/null || true)"
    [[ -z "$err" ]] || { echo "check_launcher: ./vecrnn $args | true: expected nothing on stderr, got: $err" >&2; failed=1; }
done
# the command list names every task that fit, evaluate and tune take (their --help's --task)
tasks="$(./vecrnn fit --help | grep -E '^ +--task=TASK +[a-z]' | sed -E 's/.*--task=TASK +//; s/,/ /g; s/ or / /')"
[[ "$tasks" == *multilabel* ]] || { echo "check_launcher: fit --help: no --task line listing the tasks: '$tasks'" >&2; failed=1; }
for cmd in fit evaluate tune; do
    line="$(./vecrnn --help | grep -A1 "^  $cmd --" | tr -d '\n')"
    for task in $tasks; do
        [[ "$line" == *"$task"* ]] || { echo "check_launcher: ./vecrnn --help: the $cmd line does not name --task $task" >&2; failed=1; }
    done
done
# once a command's main runs, java's stderr is the caller's own file again, not the filter's pipe
# (StderrHandback): a line that went through the filter could still be on its way when java had exited, and a
# `2> file` read at once was empty now and then; polled on /proc while demo trains, then demo is stopped
if [[ -d /proc/self/fd ]]; then
    (cd "$work" && exec "$root/vecrnn" demo --seconds 60 > /dev/null 2> "$work/demo.err" < /dev/null) &
    pid=$!
    got=""
    for _ in $(seq 1 150); do
        # the launcher's own bash has the file as stderr too: only java's counts (the launcher execs it)
        if [[ "$(readlink "/proc/$pid/exe" 2>/dev/null || true)" == */java ]]; then
            got="$(readlink "/proc/$pid/fd/2" 2>/dev/null || true)"
            [[ "$got" == "$work/demo.err" ]] && break
        fi
        sleep 0.2
    done
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [[ "$got" != "$work/demo.err" ]]; then
        echo "check_launcher: demo's stderr once main runs: expected the caller's file $work/demo.err, got '$got'" >&2
        failed=1
    fi
fi
# the main job runs twice in a row as it ran once: the second demo draws loss-2.png beside the first's loss.png,
# where it used to refuse for want of --overwrite
mkdir -p "$work/twice"
for i in 1 2; do
    rc=0
    (cd "$work/twice" && exec "$root/vecrnn" demo --seconds 1 > "$work/twice/out$i" 2> "$work/twice/err$i" < /dev/null) || rc=$?
    if [[ "$rc" != 0 || -s "$work/twice/err$i" ]]; then
        echo "check_launcher: demo run $i of 2 in one directory: expected status 0 and nothing on stderr, got status $rc:" >&2
        sed 's/^/  | /' "$work/twice/err$i" | head -5 >&2
        failed=1
    fi
done
if [[ ! -s "$work/twice/demo-output/loss.png" || ! -s "$work/twice/demo-output/loss-2.png" ]]; then
    echo "check_launcher: two demo runs: expected demo-output/loss.png and loss-2.png, got: $(ls "$work/twice/demo-output" 2>&1 | tr '\n' ' ')" >&2
    failed=1
fi
[[ ! -e "$work/m" && ! -e "$work/o" && ! -e "$work/p.npy" ]] || { echo "check_launcher: a refused command left output" >&2; failed=1; }

if [[ "$failed" != 0 ]]; then exit 1; fi
echo "check_launcher: ok (refusals print one line on stderr and exit 2)"
