#!/bin/sh
# tests/slurm/cluster.sh start|stop DIR — a throwaway single-node Slurm cluster for tests.
#
#   start DIR  creates DIR (must not hold a running cluster), writes a munge key and
#              slurm.conf into it, starts munged, slurmctld and slurmd (node "node1" on
#              127.0.0.1, random free ports) and waits until the node is idle. Clients must
#              be run with SLURM_CONF=DIR/slurm.conf (the last line printed says so).
#              On failure it stops what it started, prints the daemons' log tails, exits 1.
#   stop DIR   cancels the cluster's jobs, then stops slurmd, slurmctld and munged by the
#              PIDs in their PID files (TERM together, KILL after 5 s). Idempotent: a missing
#              or stale PID file is skipped. DIR itself is left for the caller to remove.
#
# Needs root (the daemons run as root, and so do the jobs), no systemd, no cgroups: the
# settings below are the ones /work/shared/docs/platform.md found necessary on such a
# machine (proctrack/linuxproc + task/none, cons_tres with CR_Core, no accounting,
# kill_invalid_depend, RealMemory below the real memory).
set -u

usage() {
    echo "usage: $0 start|stop DIR" >&2
    exit 2
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2

# pid_alive FILE: the PID in FILE is a running process (a zombie counts as gone: it stays
# visible to kill -0 until its parent, init here, reaps it).
pid_alive() {
    [ -s "$1" ] || return 1
    state=$(sed 's/.*) //' "/proc/$(cat "$1")/stat" 2>/dev/null | cut -c1)
    [ -n "$state" ] && [ "$state" != Z ]
}

# stop_pids FILE...: TERM the processes in the PID files together (each takes 1-2 s to
# shut down), KILL what is still there after 5 s, remove the files.
stop_pids() {
    for f in "$@"; do
        pid_alive "$f" && kill -TERM "$(cat "$f")" 2>/dev/null
    done
    i=0
    for f in "$@"; do
        while pid_alive "$f" && [ $i -lt 50 ]; do
            sleep 0.1
            i=$((i + 1))
        done
        pid_alive "$f" && kill -KILL "$(cat "$f")" 2>/dev/null
        rm -f "$f"
    done
    return 0
}

do_stop() {
    [ -d "$dir" ] || return 0
    # Ask the controller to cancel what is still queued or running, so that no job step
    # (slurmstepd and its children) outlives the daemons.
    if pid_alive "$dir/slurmctld.pid" && [ -f "$dir/slurm.conf" ]; then
        export SLURM_CONF="$dir/slurm.conf"
        jobs=$(timeout 5 squeue -h -o %A 2>/dev/null)
        if [ -n "$jobs" ]; then
            # shellcheck disable=SC2086 # one job id per word
            timeout 5 scancel $jobs 2>/dev/null
            i=0
            while [ -n "$(timeout 5 squeue -h -o %A 2>/dev/null)" ] && [ $i -lt 50 ]; do
                sleep 0.1
                i=$((i + 1))
            done
        fi
    fi
    stop_pids "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munged.pid"
}

# free_port: a random TCP port in 20000-59999 nobody listens on (checked in /proc/net/tcp*).
free_port() {
    while :; do
        p=$(( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000 + 20000 ))
        hex=$(printf ':%04X ' "$p")
        cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | grep -q "$hex" || break
    done
    echo "$p"
}

fail() {
    echo "cluster.sh: $*" >&2
    for log in munged.log slurmctld.log slurmd.log; do
        [ -s "$dir/$log" ] && { echo "--- $dir/$log (tail)" >&2; tail -n 15 "$dir/$log" >&2; }
    done
    do_stop
    exit 1
}

do_start() {
    [ "$(id -u)" = 0 ] || { echo "cluster.sh: needs root (Slurm daemons)" >&2; exit 1; }
    for prog in munged slurmctld slurmd sinfo; do
        command -v "$prog" >/dev/null || [ -x "/usr/sbin/$prog" ] ||
            { echo "cluster.sh: $prog not found (apt-get install slurm-wlm munge)" >&2; exit 1; }
    done
    PATH=$PATH:/usr/sbin
    mkdir -p "$dir" || exit 1
    dir=$(realpath "$dir")
    pid_alive "$dir/slurmctld.pid" && { echo "cluster.sh: a cluster is already running in $dir" >&2; exit 1; }
    # munged's socket directory and all its parents must be searchable by everyone
    # (mktemp -d makes 0700 directories): DIR is made so, its parents are checked.
    chmod 755 "$dir"
    d=$(dirname "$dir")
    while [ "$d" != / ]; do
        [ "$(( $(stat -c %#a "$d") & 1 ))" = 1 ] ||
            { echo "cluster.sh: $d is not searchable by everyone (chmod o+x), munge needs it" >&2; exit 1; }
        d=$(dirname "$d")
    done
    mkdir -p "$dir/state" "$dir/spool" || exit 1
    chmod 700 "$dir/state" "$dir/spool"

    rm -f "$dir/munge.key"
    { head -c 1024 /dev/urandom >"$dir/munge.key" && chmod 400 "$dir/munge.key"; } || fail "cannot write the munge key"
    munged --force --socket="$dir/munge.sock" --key-file="$dir/munge.key" --pid-file="$dir/munged.pid" \
        --log-file="$dir/munged.log" --seed-file="$dir/munged.seed" || fail "munged did not start"

    mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.8) }' /proc/meminfo)
    cpus=$(nproc)
    cat >"$dir/slurm.conf" <<EOF
# Written by tests/slurm/cluster.sh: a throwaway single-node cluster.
ClusterName=gglabtest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.sock
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MailProg=/bin/true
DependencyParameters=kill_invalid_depend
# Start batch jobs at the next scheduler pass (about 1 s) rather than up to 3 s later.
SchedulerParameters=batch_sched_delay=0
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
NodeName=node1 NodeAddr=127.0.0.1 NodeHostname=localhost CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=node1 Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$dir/slurm.conf"
    slurmctld -f "$SLURM_CONF" || fail "slurmctld did not start"
    slurmd -f "$SLURM_CONF" -N node1 || fail "slurmd did not start"
    i=0
    until [ "$(sinfo -h -n node1 -o %t 2>/dev/null)" = idle ]; do
        i=$((i + 1))
        [ $i -le 200 ] || fail "node1 not idle after 20 s (state: $(sinfo -h -n node1 -o %t 2>&1))"
        pid_alive "$dir/slurmctld.pid" || [ $i -lt 20 ] || fail "slurmctld exited"
        sleep 0.1
    done
    echo "SLURM_CONF=$SLURM_CONF"
}

case $cmd in
start) do_start ;;
stop) do_stop ;;
*) usage ;;
esac
