#!/usr/bin/env bash
# Real 3-node GlusterFS scenario on one machine, driving scripts/gluster/bootstrap.sh unchanged.
#
#   3 node namespaces (network + mount + UTS) and 1 client network namespace, all on a bridge that
#   lives in its own network namespace (10.213.0.0/24): the host gets no devices, addresses or routes.
#   Per node, private directories are bind-mounted over /etc/glusterfs, /var/lib/glusterd,
#   /var/log/glusterfs, /run, /srv, /etc/fstab, /etc/ganesha, /var/log/ganesha, /var/lib/nfs.
#   Bricks are XFS on loop devices (formatted by the bootstrap itself) when loop devices work,
#   directory bricks otherwise.
#
# Steps: bootstrap (node 0 first, racing nodes 1+2) -> check volume -> FUSE mount from the client ->
# write -> optional NFS-Ganesha phase (libnfs userspace client, NFSv4) -> second bootstrap on every
# node reports changed=0 -> rolling replacement of the three "VMs" under continuous I/O: each node
# is destroyed (kill -9, namespaces and OS-disk directories gone) and recreated with only its brick
# device, its bootstrap must rejoin as the same peer with no probe, heal must reach 0 entries before
# the next one (creates, overwrite, delete, rename, append and reads checked while node 0 is gone) ->
# bricks identical (sha256, owners, modes) to each other and to the client view, nothing lost.
#
# Exit codes: 0 pass, 1 fail, 77 cannot run here (reason printed as "SKIP: ...").
# Env: GFT_KEEP_DIR (copy logs and the captured `heal info` outputs there at the end), GFT_NO_GANESHA=1.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BOOTSTRAP="$REPO/scripts/gluster/bootstrap.sh"
VOL=gv
NET=10.213.0
IPS=("$NET.11" "$NET.12" "$NET.13")
CLIENT_IP="$NET.20"
P="gft$$"                     # namespace name prefix, unique per run
T0=$(date +%s)
T=""
NSDIR=""
LOOPS=("" "" "")
BRICK_KIND=loop
BG_PIDS=()

now() { echo $(( $(date +%s) - T0 )); }
say() { printf '[%4ss] %s\n' "$(now)" "$*"; }
skip() { echo "SKIP: $*"; exit 77; }
FAIL_REASON=""
fail() { FAIL_REASON="$*"; echo "FAIL: $*"; exit 1; }
phase_start=-1
phase() { local t; t=$(now); if [[ $phase_start -ge 0 ]]; then echo "TIMING: $phase_name took $((t - phase_start))s"; fi; phase_start=$t; phase_name="$*"; say "=== $*"; }

# ---------------------------------------------------------------------------------------------
# Preconditions (skip, with the reason, when this machine cannot run the scenario)
# ---------------------------------------------------------------------------------------------
[[ $(id -u) -eq 0 ]] || skip "needs root (network/mount namespaces, loop devices, FUSE)"
[[ -c /dev/fuse ]] || skip "/dev/fuse is missing (FUSE client mount impossible)"
for c in ip nsenter unshare mount losetup timeout sha256sum ss; do
    command -v "$c" >/dev/null || skip "command '$c' not found"
done

pkg_ok() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }
ensure_pkgs() { # installs missing distro packages; returns non-zero if that is impossible
    local missing=() p
    for p in "$@"; do pkg_ok "$p" || missing+=("$p"); done
    ((${#missing[@]} == 0)) && return 0
    command -v apt-get >/dev/null || { echo "apt-get not available to install ${missing[*]}"; return 1; }
    say "installing ${missing[*]}"
    # policy-rc.d: do not let package scripts start host daemons (glusterd, ganesha) during the test.
    local prc=/usr/sbin/policy-rc.d created=0
    if [[ ! -e $prc ]]; then printf '#!/bin/sh\nexit 101\n' >$prc; chmod 755 $prc; created=1; fi
    local rc=0
    { DEBIAN_FRONTEND=noninteractive apt-get update -q && \
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } >/tmp/gft-apt.$$ 2>&1 || rc=$?
    [[ $created == 1 ]] && rm -f $prc
    if [[ $rc -ne 0 ]]; then tail -n 5 /tmp/gft-apt.$$; rm -f /tmp/gft-apt.$$; return 1; fi
    rm -f /tmp/gft-apt.$$
}
command -v dpkg-query >/dev/null || skip "not a Debian-family system (dpkg-query missing)"
ensure_pkgs glusterfs-server glusterfs-client xfsprogs || skip "GlusterFS packages missing and could not be installed"

# Probe namespace/veth/bridge support without touching the host network.
if ! ip netns add "${P}probe" 2>/dev/null; then skip "cannot create network namespaces (ip netns add failed)"; fi
if ! ip -n "${P}probe" link add br0 type bridge 2>/dev/null || ! ip -n "${P}probe" link add va type veth peer name vb 2>/dev/null; then
    ip netns del "${P}probe" 2>/dev/null || true
    skip "no bridge/veth support in this kernel/container"
fi
ip netns del "${P}probe"

# ---------------------------------------------------------------------------------------------
# Cleanup of EVERYTHING this script creates, also on failure
# ---------------------------------------------------------------------------------------------
dump_logs() {
    [[ -n "$T" && -d "$T" ]] || return 0
    echo "----- diagnostic logs (tails) -----"
    local f
    for f in "$T"/bootstrap-*.log "$T"/node*/var-log-glusterfs/glusterd.log "$T"/node*/var-log-ganesha/ganesha.log "$T"/client.log; do
        [[ -f "$f" ]] || continue
        echo "--- $f"; tail -n 15 "$f" || true
    done
}
cleanup() {
    local rc=$?
    set +e
    trap - EXIT INT TERM
    if [[ $rc -ne 0 && $rc -ne 77 ]]; then dump_logs; fi
    if [[ -n "${GFT_KEEP_DIR:-}" && -n "$T" ]]; then
        mkdir -p "$GFT_KEEP_DIR" && cp -a "$T"/bootstrap-*.log "$T"/client.log "$T"/heal-*.txt "$GFT_KEEP_DIR"/ 2>/dev/null
        for i in 0 1 2; do cp -a "$T/node$i/var-log-glusterfs" "$GFT_KEEP_DIR/node$i-glusterfs-logs" 2>/dev/null; done
    fi
    local pid
    for pid in "${BG_PIDS[@]}"; do kill -9 "$pid" 2>/dev/null; done
    if [[ -n "$T" ]] && mountpoint -q "$T/mnt" 2>/dev/null; then umount "$T/mnt" 2>/dev/null || umount -l "$T/mnt"; fi
    local ns
    for ns in "${P}cl" "${P}n0" "${P}n1" "${P}n2" "${P}br"; do
        [[ -e /run/netns/$ns ]] || continue
        # Every process started for a node (glusterd, bricks, self-heal daemon, FUSE clients, ganesha)
        # lives in that node's network namespace.
        for _ in 1 2 3 4 5; do
            pids=$(ip netns pids "$ns" 2>/dev/null)
            [[ -z "$pids" ]] && break
            kill -9 $pids 2>/dev/null
            sleep 0.3
        done
    done
    if [[ -n "$NSDIR" ]]; then
        for i in 0 1 2; do
            umount "$NSDIR/n$i.mnt" 2>/dev/null; umount "$NSDIR/n$i.uts" 2>/dev/null
        done
        umount "$NSDIR" 2>/dev/null
    fi
    for ns in "${P}cl" "${P}n0" "${P}n1" "${P}n2" "${P}br"; do
        [[ -e /run/netns/$ns ]] && ip netns del "$ns"
    done
    # The brick filesystems were mounted only inside the node mount namespaces, which are gone now.
    local l
    for l in "${LOOPS[@]}"; do
        [[ -n "$l" ]] || continue
        for _ in 1 2 3 4 5 6 7 8 9 10; do losetup -d "$l" 2>/dev/null && break; sleep 0.5; done
        losetup "$l" >/dev/null 2>&1 && [[ "$(losetup -n -O BACK-FILE "$l" 2>/dev/null)" == "$T"/* ]] && echo "WARN: could not detach $l"
    done
    if [[ -n "$T" && -d "$T" ]]; then
        if findmnt -rn -o TARGET | grep -q "^$T"; then
            echo "WARN: mounts remain under $T; not deleting it"
        else
            rm -rf "$T"
        fi
    fi
    echo "TIMING: total $(now)s (cleanup done)"
    if [[ -n "$FAIL_REASON" ]]; then echo "FAIL: $FAIL_REASON"; fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------
# Namespaces
# ---------------------------------------------------------------------------------------------
phase "setup: namespaces, per-node state, bricks"
T="$(mktemp -d /tmp/gluster-netns.XXXXXX)"
NSDIR="$T/ns"
mkdir -p "$NSDIR" "$T/mnt"
mount --bind "$NSDIR" "$NSDIR"
mount --make-private "$NSDIR"

ip netns add "${P}br"
ip -n "${P}br" link set lo up
ip -n "${P}br" link add br0 type bridge
ip -n "${P}br" link set br0 up
attach() { # attach <ns> <ip> <veth-name>
    ip netns add "$1"
    ip -n "${P}br" link add "$3" type veth peer name eth0 netns "$1"
    ip -n "${P}br" link set "$3" master br0 up
    ip -n "$1" link set lo up
    ip -n "$1" addr add "$2/24" dev eth0
    ip -n "$1" link set eth0 up
}
node_dirs=(etc-glusterfs:/etc/glusterfs var-lib-glusterd:/var/lib/glusterd var-log-glusterfs:/var/log/glusterfs
           run:/run srv:/srv etc-ganesha:/etc/ganesha var-log-ganesha:/var/log/ganesha var-lib-nfs:/var/lib/nfs)
# A node "VM": its network namespace (same IP every time), a fresh mount + UTS namespace, and fresh per-node
# directories (what a new OS disk holds: the package's /etc/glusterfs and /var/lib/glusterd, no glusterd
# identity, an empty fstab). The brick device (loop device) is not part of it: it survives a replacement.
NODE_GEN=(0 0 0)
make_node() { # make_node <i>
    local i=$1 D spec binds
    NODE_GEN[i]=$((NODE_GEN[i] + 1))
    D="$T/node$i.${NODE_GEN[$i]}"
    ln -sfn "$D" "$T/node$i"
    attach "${P}n$i" "${IPS[$i]}" "vn$i"
    for spec in "${node_dirs[@]}"; do mkdir -p "$D/${spec%%:*}"; done
    cp -a /etc/glusterfs/. "$D/etc-glusterfs/"
    cp -a /var/lib/glusterd/. "$D/var-lib-glusterd/"
    # Never share a glusterd identity between nodes.
    rm -rf "$D/var-lib-glusterd/glusterd.info" "$D/var-lib-glusterd/peers" "$D/var-lib-glusterd/vols"
    [[ -d /etc/ganesha ]] && cp -a /etc/ganesha/. "$D/etc-ganesha/"
    printf '# per-node fstab of the gluster integration test (node %s)\n' "$i" >"$D/fstab"
    touch "$NSDIR/n$i.mnt" "$NSDIR/n$i.uts"
    # /srv of a directory brick is the node's data disk: it outlives the VM like the loop device does.
    mkdir -p "$T/srv$i"
    binds="hostname gnode$i"
    for spec in "${node_dirs[@]}"; do
        mkdir -p "${spec#*:}"
        if [[ ${spec#*:} == /srv ]]; then binds+=" && mount --bind '$T/srv$i' /srv"; else binds+=" && mount --bind '$D/${spec%%:*}' '${spec#*:}'"; fi
    done
    binds+=" && mount --bind '$D/fstab' /etc/fstab && umount -l '$NSDIR'"
    unshare --mount="$NSDIR/n$i.mnt" --uts="$NSDIR/n$i.uts" --propagation private bash -c "$binds"
}
kill_ns_procs() { # kill -9 every process of a network namespace (glusterd, bricks, self-heal, ganesha, mounts)
    local pids
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        pids=$(ip netns pids "$1" 2>/dev/null)
        [[ -z "$pids" ]] && return 0
        kill -9 $pids 2>/dev/null
        sleep 0.3
    done
    [[ -z "$(ip netns pids "$1" 2>/dev/null)" ]]
}
destroy_node() { # destroy_node <i>: the VM is gone (processes, namespaces, OS-disk directories); the brick device stays
    local i=$1
    kill_ns_procs "${P}n$i" || fail "processes of node $i survived kill -9"
    umount "$NSDIR/n$i.mnt" 2>/dev/null; umount "$NSDIR/n$i.uts" 2>/dev/null
    rm -f "$NSDIR/n$i.mnt" "$NSDIR/n$i.uts"
    ip netns del "${P}n$i"
}
attach "${P}cl" "$CLIENT_IP" vcl
for i in 0 1 2; do make_node "$i"; done
on_node() { local i=$1; shift; nsenter --mount="$NSDIR/n$i.mnt" --uts="$NSDIR/n$i.uts" --net="/run/netns/${P}n$i" -- "$@"; }
on_client() { nsenter --net="/run/netns/${P}cl" -- "$@"; }

say "network: bridge ${NET}.0/24 in namespace ${P}br; nodes ${IPS[*]}; client $CLIENT_IP"

# Brick devices: loop-backed files (the bootstrap formats them XFS and mounts them by UUID).
for i in 0 1 2; do
    truncate -s 512M "$T/brick$i.img"
    if ! LOOPS[i]="$(losetup -f --show "$T/brick$i.img" 2>/dev/null)"; then LOOPS[i]=""; BRICK_KIND=dir; fi
done
if [[ $BRICK_KIND == dir ]]; then
    for l in "${LOOPS[@]}"; do [[ -n "$l" ]] && losetup -d "$l"; done
    LOOPS=("" "" "")
    say "NOTE: loop devices unavailable here: using DIRECTORY bricks (GLUSTER_BRICK_DEVICE empty)"
else
    say "bricks: XFS on loop devices ${LOOPS[*]}"
fi
echo "BRICKS: $BRICK_KIND"

# ---------------------------------------------------------------------------------------------
# Bootstrap helper: the production script, unchanged, inside a node's namespaces
# ---------------------------------------------------------------------------------------------
run_bootstrap() { # run_bootstrap <node> <label> <ganesha 0|1>  -> prints the summary line, log in $T
    local i=$1 label=$2 ganesha=$3 log="$T/bootstrap-n$1-$2.log" rc=0
    on_node "$i" timeout 200 env \
        GLUSTER_NODE_INDEX="$i" \
        GLUSTER_NODE_IPS="${IPS[*]}" \
        GLUSTER_VOLUME="$VOL" \
        GLUSTER_BRICK_DEVICE="${LOOPS[$i]}" \
        GLUSTER_SKIP_INSTALL=1 \
        GLUSTER_ENABLE_GANESHA="$ganesha" \
        GLUSTER_AUTH_ALLOW="${IPS[0]},${IPS[1]},${IPS[2]},127.0.0.1,$CLIENT_IP" \
        GLUSTER_WAIT_SECONDS=120 \
        bash "$BOOTSTRAP" </dev/null >"$log" 2>&1 || rc=$?
    local summary
    summary="$(grep -E '^bootstrap: changed=[0-9]+$' "$log" | tail -n1 || true)"
    echo "node $i [$label]: rc=$rc ${summary:-<no summary>}"
    return $rc
}
changed_of() { sed -n 's/^bootstrap: changed=\([0-9]*\)$/\1/p' "$T/bootstrap-n$1-$2.log" | tail -n1; }

# ---------------------------------------------------------------------------------------------
# 1. Bootstrap: node 0 starts first and must retry its peer probes until 1 and 2 are up
# ---------------------------------------------------------------------------------------------
phase "bootstrap (node 0 first, nodes 1 and 2 join while it retries)"
run_bootstrap 0 first 0 >"$T/rb0.out" 2>&1 & BG_PIDS+=($!); pid0=$!
sleep 3
run_bootstrap 1 first 0 >"$T/rb1.out" 2>&1 & BG_PIDS+=($!); pid1=$!
run_bootstrap 2 first 0 >"$T/rb2.out" 2>&1 & BG_PIDS+=($!); pid2=$!
brc=0
wait $pid1 || brc=1; wait $pid2 || brc=1; wait $pid0 || brc=1
BG_PIDS=()
cat "$T/rb1.out" "$T/rb2.out" "$T/rb0.out"
[[ $brc -eq 0 ]] || fail "first bootstrap failed"
grep -q 'peer probe .* failed (attempt 1/' "$T/bootstrap-n0-first.log" && say "node 0 had to retry its peer probe (as intended)"

info="$(on_node 2 gluster --mode=script volume info "$VOL")"
grep -q '^Type: Replicate$' <<<"$info" || fail "volume is not Type: Replicate: $info"
grep -q '^Number of Bricks: 1 x 3 = 3$' <<<"$info" || fail "volume does not have 1 x 3 bricks: $info"
grep -q '^Status: Started$' <<<"$info" || fail "volume not started: $info"
for i in 0 1 2; do grep -qx "Brick$((i + 1)): ${IPS[$i]}:/srv/gluster/$VOL" <<<"$info" || fail "brick $i missing: $info"; done
grep -qx 'network.ping-timeout: 10' <<<"$info" || fail "ping-timeout not set: $info"
echo "CHECK volume: Type: Replicate, 1 x 3 = 3 bricks, Status: Started"

wait_bricks_online() { # all three brick processes online according to glusterd, within 180 s
    # Bounded by time, not by tries: jest runs this scenario beside the unit tests on a 2-core machine, where one
    # `volume status` can take seconds (60 tries once ran out just as the replaced node's brick came online).
    local deadline=$((SECONDS + 180)) out
    while ((SECONDS < deadline)); do
        out="$(on_node "$1" gluster --mode=script volume status "$VOL" 2>/dev/null || true)"
        [[ "$(grep -cE '^Brick .* [0-9]+ +[0-9]+ +Y +[0-9]+' <<<"$out")" == 3 ]] && return 0
        sleep 1
    done
    echo "$out"; return 1
}
wait_bricks_online 0 || fail "not all bricks online"
if [[ $BRICK_KIND == loop ]]; then
    for i in 0 1 2; do
        on_node "$i" findmnt -n -o FSTYPE /srv/gluster | grep -qx xfs || fail "node $i brick is not on XFS"
        on_node "$i" grep -q '^UUID=.* /srv/gluster xfs ' /etc/fstab || fail "node $i fstab entry missing"
    done
    echo "CHECK brick: XFS mounted by UUID via per-node /etc/fstab on all nodes"
fi

# ---------------------------------------------------------------------------------------------
# 2. Client FUSE mount (host mount namespace, client network namespace) and data
# ---------------------------------------------------------------------------------------------
phase "client FUSE mount and writes"
M="$T/mnt"
on_client timeout 60 mount -t glusterfs \
    -o "backup-volfile-servers=${IPS[1]}:${IPS[2]},log-file=$T/client.log" "${IPS[0]}:/$VOL" "$M" >"$T/mount.out" 2>&1 \
    || { cat "$T/mount.out"; fail "FUSE mount failed"; }
mountpoint -q "$M" || fail "FUSE mount not visible in the test's mount namespace"
for d in etcd-0 etcd-1 etcd-2 postgres-0; do
    [[ -d "$M/$d" ]] || fail "Kubernetes directory $d missing on the volume"
done
[[ "$(stat -c '%u:%g:%a' "$M/etcd-0")" == "65532:65532:700" ]] || fail "etcd-0 owner/mode wrong: $(stat -c '%u:%g:%a' "$M/etcd-0")"
[[ "$(stat -c '%u:%g:%a' "$M/postgres-0")" == "999:999:700" ]] || fail "postgres-0 owner/mode wrong"
echo "CHECK layout: etcd-0..2 (65532:65532 0700) and postgres-0 (999:999 0700) exist"

mkdir -p "$M/data"
for n in $(seq 1 20); do head -c $((n * 37 * 1024)) /dev/urandom >"$M/data/f$n"; done
head -c 100000 /dev/urandom >"$M/etcd-0/member.wal"
# Expected view, recorded in the test's own directory (not on the volume).
manifest() { (cd "$1" && find . \( -path ./.glusterfs -o -name '.glusterfs-anonymous-inode-*' \) -prune -o -type f -print0 \
              | sort -z | xargs -0r sha256sum); }
manifest "$M" >"$T/expected.before"
say "wrote $(wc -l <"$T/expected.before") files"

# ---------------------------------------------------------------------------------------------
# 3. NFS-Ganesha (FSAL_GLUSTER, NFSv4) on every node — skipped with a reason if it cannot run here
# ---------------------------------------------------------------------------------------------
phase "NFS-Ganesha"
run_all() { # run_all <label> <ganesha>: the bootstrap on the three nodes at once; fails if one fails
    local label=$1 ganesha=$2 i pids=() rc=0
    for i in 0 1 2; do run_bootstrap "$i" "$label" "$ganesha" >"$T/rb$i.$label.out" 2>&1 & pids+=($!); BG_PIDS+=($!); done
    for i in 0 1 2; do wait "${pids[$i]}" || rc=1; cat "$T/rb$i.$label.out"; done
    BG_PIDS=()
    return $rc
}
GANESHA_ON=0
ganesha_skip() { echo "GANESHA: SKIPPED ($*)"; }
nfs_read_ok() { # nfs_read_ok <node> <path on the volume>: the file read through that node's Ganesha matches the FUSE view
    local want got
    want="$(sha256sum <"$M/$2" | cut -d' ' -f1)"
    got="$(on_client timeout 30 nfs-cat "nfs://${IPS[$1]}/$VOL/$2?version=4" 2>"$T/nfs.err" | sha256sum | cut -d' ' -f1)"
    [[ "$got" == "$want" ]] || { cat "$T/nfs.err"; return 1; }
}
ganesha() {
    if [[ "${GFT_NO_GANESHA:-0}" == 1 ]]; then ganesha_skip "GFT_NO_GANESHA=1"; return 0; fi
    if ! ensure_pkgs nfs-ganesha nfs-ganesha-gluster libnfs-utils; then ganesha_skip "packages could not be installed"; return 0; fi
    local i
    if ! run_all ganesha 1; then
        for i in 0 1 2; do grep -E 'ERROR' "$T/bootstrap-n$i-ganesha.log" | tail -n1; done
        ganesha_skip "bootstrap with GLUSTER_ENABLE_GANESHA=1 failed"
        return 0
    fi
    for i in 0 1 2; do nfs_read_ok "$i" data/f5 || fail "NFSv4 read of data/f5 via Ganesha on node $i: checksum mismatch"; done
    on_client timeout 30 nfs-ls "nfs://${IPS[1]}/$VOL/?version=4" >"$T/nfs.ls" 2>&1 || { cat "$T/nfs.ls"; fail "nfs-ls via Ganesha failed"; }
    grep -q 'etcd-0' "$T/nfs.ls" || { cat "$T/nfs.ls"; fail "nfs-ls does not show etcd-0"; }
    echo "via-nfs" >"$T/nfs-src"
    on_client timeout 30 nfs-cp "$T/nfs-src" "nfs://${IPS[2]}/$VOL/data/written-via-nfs?version=4" >/dev/null 2>&1 \
        || fail "NFSv4 write via Ganesha on node 2 failed"
    [[ "$(cat "$M/data/written-via-nfs")" == via-nfs ]] || fail "file written via NFS not visible on the FUSE mount"
    GANESHA_ON=1
    echo "GANESHA: OK (NFSv4 read through all 3 Ganesha servers, nfs-ls, write via NFS seen on FUSE)"
}
ganesha

# ---------------------------------------------------------------------------------------------
# 4. Idempotence: a second run on every node (in parallel, Ganesha included when on) changes nothing
# ---------------------------------------------------------------------------------------------
phase "idempotence (second run on every node)"
run_all again "$GANESHA_ON" || fail "second bootstrap failed"
for i in 0 1 2; do
    c="$(changed_of "$i" again)"
    [[ "$c" == 0 ]] || { grep 'changed:' "$T/bootstrap-n$i-again.log"; fail "second bootstrap on node $i reported changed=$c"; }
    echo "CHECK idempotent: node $i changed=0"
done
manifest "$M" >"$T/expected.before"

# ---------------------------------------------------------------------------------------------
# 5. Rolling replacement of the three "VMs" under I/O: each node in turn is destroyed (kill -9 of
#    everything, namespaces and OS-disk directories gone) and recreated from scratch with only its
#    brick device kept; its bootstrap must rejoin the pool and the volume as the same peer, with no
#    peer probe or replace-brick, and self-heal must reach 0 pending entries before the next node.
# ---------------------------------------------------------------------------------------------
phase "rolling replacement of nodes 0, 1, 2 under I/O"
# The writer: small files written, read back and re-read at random, all through the FUSE mount, for the
# whole roll. Any failed or wrong read/write ends it with a WRITER-FAIL line.
writer() {
    local n=0 sum got k
    mkdir -p "$M/roll" || { echo "WRITER-FAIL mkdir" >>"$T/writer.log"; return 1; }
    while [[ ! -e "$T/writer.stop" ]]; do
        n=$((n + 1))
        head -c $((1024 + RANDOM % 8192)) /dev/urandom >"$T/wbuf"
        sum="$(sha256sum <"$T/wbuf" | cut -d' ' -f1)"
        timeout 60 cp "$T/wbuf" "$M/roll/w$n" || { echo "WRITER-FAIL write w$n" >>"$T/writer.log"; return 1; }
        got="$(timeout 60 sha256sum <"$M/roll/w$n" | cut -d' ' -f1)"
        [[ "$got" == "$sum" ]] || { echo "WRITER-FAIL read-back w$n" >>"$T/writer.log"; return 1; }
        echo "$sum  ./roll/w$n" >>"$T/writer.sums"
        k=$((1 + RANDOM % n))
        got="$(timeout 60 sha256sum <"$M/roll/w$k" | cut -d' ' -f1)"
        grep -qxF "$got  ./roll/w$k" "$T/writer.sums" || { echo "WRITER-FAIL re-read w$k" >>"$T/writer.log"; return 1; }
        sleep 0.5
    done
    echo "WRITER-DONE $n" >>"$T/writer.log"
}
writer_ok() { [[ -n "${WRITER_PID:-}" ]] && kill -0 "$WRITER_PID" 2>/dev/null && ! grep -q WRITER-FAIL "$T/writer.log" 2>/dev/null; }
writes() { wc -l <"$T/writer.sums" 2>/dev/null || echo 0; }
heal_pending() { # prints "<connected bricks> <bricks listed> <pending entries>" from `heal info` on node $1
    local out
    out="$(on_node "$1" gluster --mode=script volume heal "$VOL" info 2>&1 || true)"
    printf '%s %s %s\n' "$(grep -c '^Status: Connected$' <<<"$out" || true)" "$(grep -c '^Number of entries:' <<<"$out" || true)" \
        "$(awk -F': ' '/^Number of entries:/ { s += $2 } END { print s + 0 }' <<<"$out")"
}
wait_healed() { # wait_healed <node> <seconds>: 3 connected bricks, 0 pending entries
    local t0 c b p
    t0=$(date +%s)
    while (( $(date +%s) - t0 < $2 )); do
        read -r c b p < <(heal_pending "$1")
        [[ $c == 3 && $b == 3 && $p == 0 ]] && { echo $(( $(date +%s) - t0 )); return 0; }
        sleep 1
    done
    on_node "$1" gluster --mode=script volume heal "$VOL" info >&2 || true
    return 1
}
node_uuid() { on_node "$1" sed -n 's/^UUID=//p' /var/lib/glusterd/glusterd.info; }

: >"$T/writer.sums"
writer & WRITER_PID=$!; BG_PIDS+=("$WRITER_PID")
for n in 0 1 2; do
    other=$(( (n + 1) % 3 ))
    uuid="$(node_uuid "$n")"
    [[ "$uuid" =~ ^[0-9a-f-]{36}$ ]] || fail "node $n has no glusterd UUID before its replacement"
    say "replacing node $n (UUID $uuid); $(writes) writes so far"
    destroy_node "$n"
    if [[ $n == 0 ]]; then
        # Creates, overwrite, delete, rename, append and reads while one node is gone.
        io_t0=$(date +%s)
        timeout 60 bash -c '
            set -e; M="$1"
            for n in $(seq 21 30); do head -c $((n * 11 * 1024)) /dev/urandom >"$M/data/f$n"; done   # creates
            head -c 200000 /dev/urandom >"$M/data/f1"                                                 # overwrite
            rm "$M/data/f2"                                                                           # delete
            mv "$M/data/f3" "$M/data/f3.renamed"                                                      # rename
            mkdir "$M/data/newdir" && echo during-failure >"$M/data/newdir/note"
            head -c 50000 /dev/urandom >>"$M/etcd-0/member.wal"                                       # append
            sync
        ' _ "$M" || fail "writes failed/hung with node 0 down"
        manifest "$M" >"$T/expected.after"
        timeout 60 bash -c 'cd "$1" && sha256sum --quiet -c "$2"' _ "$M" "$T/expected.after" || fail "reads failed with node 0 down"
        while read -r sum path; do
            case "$path" in ./data/f1|./data/f2|./data/f3|./etcd-0/member.wal|./roll/*) continue ;; esac
            grep -qxF "$sum  $path" "$T/expected.after" || fail "$path changed unexpectedly"
        done <"$T/expected.before"
        [[ ! -e "$M/data/f2" && -f "$M/data/f3.renamed" ]] || fail "delete/rename not visible"
        echo "CHECK io-during-failure: creates, overwrite, delete, rename, append and reads OK with node 0 down ($(( $(date +%s) - io_t0 ))s)"
        # Real `heal info` output with a brick down and entries pending: the fixture of the roll tool's parser.
        on_node "$other" gluster --mode=script volume heal "$VOL" info >"$T/heal-info.down.txt" 2>&1 || true
        on_node "$other" gluster --mode=script volume heal "$VOL" info summary >"$T/heal-info-summary.down.txt" 2>&1 || true
    fi
    writer_ok || fail "the writer stopped while node $n was down: $(cat "$T/writer.log" 2>/dev/null)"
    make_node "$n"
    t0=$(date +%s)
    run_bootstrap "$n" "replaced" "$GANESHA_ON" || fail "bootstrap of the replaced node $n failed"
    log="$T/bootstrap-n$n-replaced.log"
    grep -q "rejoins as itself" "$log" || fail "replaced node $n did not find its glusterd state on the brick disk"
    ! grep -q 'changed: probed peer\|changed: created replica-3' "$log" || fail "replaced node $n probed peers or created a volume"
    [[ "$(node_uuid "$n")" == "$uuid" ]] || fail "replaced node $n came back with UUID $(node_uuid "$n"), not $uuid"
    wait_bricks_online "$other" || fail "bricks not all online after replacing node $n"
    peers="$(on_node "$other" gluster --mode=script peer status)"
    grep -A2 -x "Uuid: $uuid" <<<"$peers" | grep -qx 'State: Peer in Cluster (Connected)' \
        || { echo "$peers"; fail "node $other does not see the replaced node $n ($uuid) connected"; }
    healed="$(wait_healed "$n" 120)" || fail "self-heal after replacing node $n did not reach 0 entries within 120s"
    if [[ $n == 0 ]]; then
        on_node "$other" gluster --mode=script volume heal "$VOL" info >"$T/heal-info.healed.txt" 2>&1 || true
        on_node "$other" gluster --mode=script volume heal "$VOL" info summary >"$T/heal-info-summary.healed.txt" 2>&1 || true
    fi
    if [[ $GANESHA_ON == 1 ]]; then nfs_read_ok "$n" data/f5 || fail "NFSv4 read via the replaced node $n's Ganesha failed"; fi
    writer_ok || fail "the writer stopped after node $n rejoined: $(cat "$T/writer.log" 2>/dev/null)"
    echo "CHECK replaced: node $n rejoined as the same peer ($uuid) without probe, heal 0 entries ${healed}s after its bootstrap, $(( $(date +%s) - t0 ))s in all; $(writes) writes so far"
done
touch "$T/writer.stop"
wait "$WRITER_PID" || fail "writer failed: $(cat "$T/writer.log")"
grep -q '^WRITER-DONE' "$T/writer.log" || fail "writer did not finish: $(cat "$T/writer.log")"
echo "CHECK writer: $(writes) files written, read back and re-read through the whole roll with no failure"

# ---------------------------------------------------------------------------------------------
# 6. Heal reaches 0 entries; bricks identical to each other and to the client's view
# ---------------------------------------------------------------------------------------------
phase "final heal and brick comparison"
healed="$(wait_healed 0 120)" || fail "self-heal did not finish within 120s"
echo "CHECK heal: 0 entries on 3 connected bricks after ${healed}s"

brick_view() { # checksums + owners/modes of one brick, skipping gluster's internal directories
    on_node "$1" bash -c '
        cd /srv/gluster/'"$VOL"' || exit 1
        find . \( -path ./.glusterfs -o -name ".glusterfs-anonymous-inode-*" \) -prune -o -printf "%y %U:%G %m %p\n" | sort
        find . \( -path ./.glusterfs -o -name ".glusterfs-anonymous-inode-*" \) -prune -o -type f -print0 | sort -z | xargs -0r sha256sum'
}
for i in 0 1 2; do brick_view "$i" >"$T/brick$i.view" || fail "cannot read brick of node $i"; done
for i in 1 2; do
    diff -u "$T/brick0.view" "$T/brick$i.view" >"$T/brickdiff" || { head -n 40 "$T/brickdiff"; fail "brick of node $i differs from node 0"; }
done
manifest "$M" >"$T/expected.final"
# The bricks hold exactly what the client sees ...
grep -E '^[0-9a-f]{64}  ' "$T/brick0.view" | diff -u "$T/expected.final" - >"$T/clientdiff" \
    || { head -n 40 "$T/clientdiff"; fail "bricks differ from the client's view"; }
# ... which holds every file written before and during the roll, unchanged.
while read -r line; do
    grep -qxF "$line" "$T/expected.final" || fail "lost or corrupted: $line"
done < <(grep -v '  ./roll/' "$T/expected.after"; cat "$T/writer.sums")
echo "CHECK bricks-identical: sha256 + owner/mode of $(grep -c '^f ' "$T/brick0.view") files identical on all 3 bricks, equal to the client view, nothing lost"

phase "done"
echo "RESULT: PASS in $(now)s"
