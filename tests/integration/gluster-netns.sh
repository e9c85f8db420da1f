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
# write -> kill -9 one node -> I/O goes on -> re-run its bootstrap -> heal reaches 0 entries ->
# bricks identical (sha256, owners, modes) -> second bootstrap on every node reports changed=0 ->
# optional NFS-Ganesha phase (libnfs userspace client, NFSv4).
#
# Exit codes: 0 pass, 1 fail, 77 cannot run here (reason printed as "SKIP: ...").
# Env: GFT_KILL_NODE (default 0), GFT_KEEP_DIR (copy logs there at the end), GFT_NO_GANESHA=1.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BOOTSTRAP="$REPO/scripts/gluster/bootstrap.sh"
VOL=gv
NET=10.213.0
IPS=("$NET.11" "$NET.12" "$NET.13")
CLIENT_IP="$NET.20"
KILL_NODE="${GFT_KILL_NODE:-0}"
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
        mkdir -p "$GFT_KEEP_DIR" && cp -a "$T"/bootstrap-*.log "$T"/client.log "$GFT_KEEP_DIR"/ 2>/dev/null
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
for i in 0 1 2; do attach "${P}n$i" "${IPS[$i]}" "vn$i"; done
attach "${P}cl" "$CLIENT_IP" vcl

node_dirs=(etc-glusterfs:/etc/glusterfs var-lib-glusterd:/var/lib/glusterd var-log-glusterfs:/var/log/glusterfs
           run:/run srv:/srv etc-ganesha:/etc/ganesha var-log-ganesha:/var/log/ganesha var-lib-nfs:/var/lib/nfs)
for i in 0 1 2; do
    D="$T/node$i"
    for spec in "${node_dirs[@]}"; do mkdir -p "$D/${spec%%:*}"; done
    cp -a /etc/glusterfs/. "$D/etc-glusterfs/"
    cp -a /var/lib/glusterd/. "$D/var-lib-glusterd/"
    # Never share a glusterd identity between nodes.
    rm -rf "$D/var-lib-glusterd/glusterd.info" "$D/var-lib-glusterd/peers" "$D/var-lib-glusterd/vols"
    [[ -d /etc/ganesha ]] && cp -a /etc/ganesha/. "$D/etc-ganesha/"
    printf '# per-node fstab of the gluster integration test (node %s)\n' "$i" >"$D/fstab"
    touch "$NSDIR/n$i.mnt" "$NSDIR/n$i.uts"
    binds="hostname gnode$i"
    for spec in "${node_dirs[@]}"; do
        mkdir -p "${spec#*:}"
        binds+=" && mount --bind '$D/${spec%%:*}' '${spec#*:}'"
    done
    binds+=" && mount --bind '$D/fstab' /etc/fstab && umount -l '$NSDIR'"
    unshare --mount="$NSDIR/n$i.mnt" --uts="$NSDIR/n$i.uts" --propagation private bash -c "$binds"
done
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

wait_bricks_online() { # all three brick processes online according to glusterd
    local n=0 out
    for ((n = 0; n < 60; n++)); do
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
# 3. Crash one node (kill -9 glusterd, brick, self-heal daemon): I/O goes on
# ---------------------------------------------------------------------------------------------
phase "kill -9 node $KILL_NODE; I/O continues on the other two"
victims="$(ip netns pids "${P}n$KILL_NODE")"
[[ -n "$victims" ]] || fail "no processes found for node $KILL_NODE"
say "killing node $KILL_NODE processes: $(for p in $victims; do printf '%s(%s) ' "$(cat /proc/$p/comm 2>/dev/null)" "$p"; done)"
kill -9 $victims
for _ in $(seq 1 50); do [[ -z "$(ip netns pids "${P}n$KILL_NODE")" ]] && break; sleep 0.1; done
[[ -z "$(ip netns pids "${P}n$KILL_NODE")" ]] || fail "node $KILL_NODE processes survived kill -9"

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
' _ "$M" || fail "writes failed/hung with node $KILL_NODE down"
manifest "$M" >"$T/expected.after"
# Reads: every file readable, and unchanged files still have their old checksums.
timeout 60 bash -c 'cd "$1" && sha256sum --quiet -c "$2"' _ "$M" "$T/expected.after" || fail "reads failed with node $KILL_NODE down"
while read -r sum path; do
    case "$path" in ./data/f1|./data/f2|./data/f3|./etcd-0/member.wal) continue ;; esac
    grep -qxF "$sum  $path" "$T/expected.after" || fail "$path changed unexpectedly"
done <"$T/expected.before"
[[ ! -e "$M/data/f2" && -f "$M/data/f3.renamed" ]] || fail "delete/rename not visible"
echo "CHECK io-during-failure: creates, overwrite, delete, rename, append and reads OK with node $KILL_NODE down ($(( $(date +%s) - io_t0 ))s)"

# ---------------------------------------------------------------------------------------------
# 4. Node comes back: re-run its bootstrap; heal reaches 0 entries; bricks identical
# ---------------------------------------------------------------------------------------------
phase "node $KILL_NODE returns (bootstrap re-run) and self-heal"
run_bootstrap "$KILL_NODE" recover 0 || fail "recovery bootstrap of node $KILL_NODE failed"
[[ "$(changed_of "$KILL_NODE" recover)" -ge 1 ]] || fail "recovery bootstrap should have restarted glusterd (changed>=1)"
wait_bricks_online "$KILL_NODE" || fail "bricks not all online after recovery"
heal_t0=$(date +%s)
healed=0
first_pending=""
for _ in $(seq 1 120); do
    out="$(on_node "$KILL_NODE" gluster --mode=script volume heal "$VOL" info 2>&1 || true)"
    connected=$(grep -c '^Status: Connected$' <<<"$out" || true)
    pending=$(awk -F': ' '/^Number of entries:/ { s += $2 } END { print s + 0 }' <<<"$out")
    entries=$(grep -c '^Number of entries:' <<<"$out" || true)
    [[ -z "$first_pending" && $entries -gt 0 ]] && first_pending=$pending
    if [[ $connected == 3 && $entries == 3 && $pending == 0 ]]; then healed=1; break; fi
    sleep 1
done
[[ $healed == 1 ]] || { echo "$out"; fail "self-heal did not finish within 120s"; }
echo "CHECK heal: 0 entries on 3 connected bricks after $(( $(date +%s) - heal_t0 ))s (pending at first poll: ${first_pending:-?})"

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
grep -c '^f ' "$T/brick0.view" >/dev/null
# ... and they hold exactly what the client sees.
grep -E '^[0-9a-f]{64}  ' "$T/brick0.view" | diff -u "$T/expected.after" - >"$T/clientdiff" \
    || { head -n 40 "$T/clientdiff"; fail "bricks differ from the client's view"; }
echo "CHECK bricks-identical: sha256 + owner/mode of $(grep -c '^f ' "$T/brick0.view") files identical on all 3 bricks and equal to the client view"

# ---------------------------------------------------------------------------------------------
# 5. Idempotence: a second run on every node changes nothing
# ---------------------------------------------------------------------------------------------
phase "idempotence (second run on every node)"
for i in 0 1 2; do
    run_bootstrap "$i" again 0 || fail "second bootstrap on node $i failed"
    c="$(changed_of "$i" again)"
    [[ "$c" == 0 ]] || { grep 'changed:' "$T/bootstrap-n$i-again.log"; fail "second bootstrap on node $i reported changed=$c"; }
    echo "CHECK idempotent: node $i changed=0"
done

# ---------------------------------------------------------------------------------------------
# 6. NFS-Ganesha (FSAL_GLUSTER, NFSv4) — skipped with a reason if it cannot run here
# ---------------------------------------------------------------------------------------------
phase "NFS-Ganesha"
ganesha_skip() { echo "GANESHA: SKIPPED ($*)"; }
ganesha() {
    if [[ "${GFT_NO_GANESHA:-0}" == 1 ]]; then ganesha_skip "GFT_NO_GANESHA=1"; return 0; fi
    if ! ensure_pkgs nfs-ganesha nfs-ganesha-gluster libnfs-utils; then ganesha_skip "packages could not be installed"; return 0; fi
    local i
    for i in 0 1 2; do
        if ! run_bootstrap "$i" ganesha 1; then
            ganesha_skip "bootstrap with GLUSTER_ENABLE_GANESHA=1 failed on node $i: $(grep -E 'ERROR' "$T/bootstrap-n$i-ganesha.log" | tail -n1)"
            tail -n 10 "$T/node$i/var-log-ganesha/ganesha.log" 2>/dev/null || true
            return 0
        fi
    done
    local want got
    want="$(sha256sum <"$M/data/f5" | cut -d' ' -f1)"
    for i in 0 1 2; do
        got="$(on_client timeout 30 nfs-cat "nfs://${IPS[$i]}/$VOL/data/f5?version=4" 2>"$T/nfs.err" | sha256sum | cut -d' ' -f1)"
        [[ "$got" == "$want" ]] || { cat "$T/nfs.err"; fail "NFSv4 read of data/f5 via Ganesha on node $i: checksum mismatch"; }
    done
    on_client timeout 30 nfs-ls "nfs://${IPS[1]}/$VOL/?version=4" >"$T/nfs.ls" 2>&1 || { cat "$T/nfs.ls"; fail "nfs-ls via Ganesha failed"; }
    grep -q 'etcd-0' "$T/nfs.ls" || { cat "$T/nfs.ls"; fail "nfs-ls does not show etcd-0"; }
    echo "via-nfs" >"$T/nfs-src"
    on_client timeout 30 nfs-cp "$T/nfs-src" "nfs://${IPS[2]}/$VOL/data/written-via-nfs?version=4" >/dev/null 2>&1 \
        || fail "NFSv4 write via Ganesha on node 2 failed"
    [[ "$(cat "$M/data/written-via-nfs")" == via-nfs ]] || fail "file written via NFS not visible on the FUSE mount"
    for i in 0 1 2; do
        run_bootstrap "$i" ganesha-again 1 || fail "second Ganesha bootstrap on node $i failed"
        [[ "$(changed_of "$i" ganesha-again)" == 0 ]] || fail "second Ganesha bootstrap on node $i not idempotent"
    done
    echo "GANESHA: OK (NFSv4 read through all 3 Ganesha servers, nfs-ls, write via NFS seen on FUSE; re-run changed=0)"
}
ganesha

phase "done"
echo "RESULT: PASS in $(now)s"
