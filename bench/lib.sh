# Helpers shared by the bench scripts (sourced, not run).

# The median of the numbers on stdin, one a line (of an even count, the lower middle one).
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# process_rate PREFIX: `process` on the topics of PREFIX until 2 s idle; prints its input rate
# in readings/s (first to last input record, as process reports it). Needs W.
process_rate() {
    "$W" process --topic-prefix "$1" --exit-idle 2 2>&1 | sed -n 's/.*= \([0-9]*\) readings\/s.*/\1/p'
}

# idle_group NAME: a CPU cgroup NAME with cpu.idle=1, for work that may only take the CPU the
# rest leaves (any thread outside it preempts it at once). Sets idle_cg (its directory; empty
# when none could be made: not root), idle_run (a command prefix that runs a command in it, or
# else as SCHED_IDLE, which only gives way within its own scheduling group) and idle_how (which,
# in words). With cgroup v1, /sys/fs/cgroup itself is a tmpfs: a directory made there is no
# cgroup; the CPU controller is /sys/fs/cgroup/cpu.
idle_group() {
    local root=/sys/fs/cgroup/cpu
    [ -f /sys/fs/cgroup/cgroup.controllers ] && root=/sys/fs/cgroup
    idle_cg=
    if mkdir "$root/$1" 2>/dev/null; then
        if echo 1 >"$root/$1/cpu.idle" 2>/dev/null; then idle_cg=$root/$1; else rmdir "$root/$1"; fi
    fi
    if [ -n "$idle_cg" ]; then
        idle_run=(sh -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$idle_cg")
        idle_how="in a cgroup with cpu.idle=1"
    else
        idle_run=(chrt --idle 0)
        idle_how="as SCHED_IDLE (no cgroup could be made)"
    fi
}

# idle_group_remove: removes idle_cg once everything in it has ended (waits up to 5 s for that).
idle_group_remove() {
    [ -n "${idle_cg:-}" ] || return 0
    for _ in $(seq 1 50); do rmdir "$idle_cg" 2>/dev/null && { idle_cg=; return 0; }; sleep 0.1; done
    echo "$(basename "$0"): could not remove $idle_cg (still in use?)" >&2
}
