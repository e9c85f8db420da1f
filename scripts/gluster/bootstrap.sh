#!/usr/bin/env bash
# gluster-bootstrap.sh — converge one node of a 3-node replica-3 GlusterFS set.
#
# cloud-init installs this as /usr/local/sbin/gluster-bootstrap.sh and a systemd oneshot unit
# (gluster-bootstrap.service) runs it on EVERY boot, so a node converges again after a reboot or
# crash. It is idempotent: a run that finds everything in place changes nothing and prints
# `bootstrap: changed=0`; otherwise `bootstrap: changed=N` (N = number of changes made).
#
# Parameters (environment variables only; cloud-init writes them to /etc/gluster-bootstrap.env):
#   GLUSTER_NODE_INDEX      required, 0..2. Node 0 forms the pool, creates/starts the volume and
#                           lays out the Kubernetes directories; nodes 1 and 2 only prepare their brick.
#   GLUSTER_NODE_IPS        required, 3 space-separated IPv4 addresses, node 0 first. Gluster peers
#                           and bricks are addressed by these IPs (no DNS dependency).
#   GLUSTER_VOLUME          required, volume name, ^[a-z][a-z0-9-]{1,30}$.
#   GLUSTER_BRICK_DEVICE    stable block-device path for the brick (Azure data disk at LUN 0:
#                           /dev/disk/azure/scsi1/lun0). Formatted XFS only if it carries no
#                           signature at all (an existing filesystem is NEVER reformatted), mounted
#                           by UUID via /etc/fstab at GLUSTER_BRICK_ROOT.
#                           Empty = directory brick on the root filesystem (tests only; uses `force`).
#   GLUSTER_BRICK_ROOT      mount point of the brick filesystem (default /srv/gluster); the brick is
#                           the sub-directory GLUSTER_BRICK_ROOT/GLUSTER_VOLUME, so a missing disk
#                           means a missing brick (glusterd refuses to start it) instead of silently
#                           writing to the root disk.
#   GLUSTER_SKIP_INSTALL    1 = do not apt-get install anything (tests that pre-install packages).
#   GLUSTER_ENABLE_GANESHA  1 = configure NFS-Ganesha (FSAL_GLUSTER, NFSv4 only, Graceless) exporting
#                           the volume at /<volume>, and keep it running.
#   GLUSTER_PING_TIMEOUT    network.ping-timeout in seconds (default 10).
#   GLUSTER_AUTH_ALLOW      comma-separated addresses allowed to mount the volume natively (FUSE/gfapi)
#                           (default: the three node IPs and 127.0.0.1; NFS clients go through Ganesha,
#                           which connects from the node itself).
#   GLUSTER_SUBDIRS         directories created on the volume for Kubernetes PersistentVolumes, as
#                           space-separated name:uid:gid (default
#                           "etcd-0:65532:65532 etcd-1:65532:65532 etcd-2:65532:65532 postgres-0:999:999").
#   GLUSTER_WAIT_SECONDS    upper bound for each wait/retry loop (peer probe, volume appearance,
#                           device appearance...). Default 600.
#
# Host paths used (a test isolates them with per-node bind mounts, the script stays production-shaped):
#   /etc/fstab, /etc/glusterfs, /var/lib/glusterd, /var/log/glusterfs, /run, /srv, /etc/ganesha,
#   /var/log/ganesha, /var/lib/nfs/ganesha.
#
# No secrets are read or written. Exit status is non-zero if the node did not converge, so systemd
# (Restart=on-failure) tries again.
set -euo pipefail

readonly SELF="gluster-bootstrap"
log() { printf '%s[node %s]: %s\n' "$SELF" "${GLUSTER_NODE_INDEX:-?}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

CHANGED=0
changed() { CHANGED=$((CHANGED + 1)); log "changed: $*"; }

# ---------------------------------------------------------------------------------------------
# Parameters and validation
# ---------------------------------------------------------------------------------------------
NODE_INDEX="${GLUSTER_NODE_INDEX:-}"
NODE_IPS_RAW="${GLUSTER_NODE_IPS:-}"
VOLUME="${GLUSTER_VOLUME:-}"
BRICK_DEVICE="${GLUSTER_BRICK_DEVICE:-}"
BRICK_ROOT="${GLUSTER_BRICK_ROOT:-/srv/gluster}"
SKIP_INSTALL="${GLUSTER_SKIP_INSTALL:-0}"
ENABLE_GANESHA="${GLUSTER_ENABLE_GANESHA:-0}"
PING_TIMEOUT="${GLUSTER_PING_TIMEOUT:-10}"
SUBDIRS="${GLUSTER_SUBDIRS:-etcd-0:65532:65532 etcd-1:65532:65532 etcd-2:65532:65532 postgres-0:999:999}"
WAIT_SECONDS="${GLUSTER_WAIT_SECONDS:-600}"

[[ "$NODE_INDEX" =~ ^[0-2]$ ]] || die "GLUSTER_NODE_INDEX must be 0, 1 or 2 (got '${NODE_INDEX}')"
[[ "$VOLUME" =~ ^[a-z][a-z0-9-]{1,30}$ ]] || die "GLUSTER_VOLUME must match ^[a-z][a-z0-9-]{1,30}\$"
[[ "$BRICK_ROOT" =~ ^/[A-Za-z0-9._/-]*$ && "$BRICK_ROOT" != "/" ]] || die "GLUSTER_BRICK_ROOT must be an absolute path"
[[ -z "$BRICK_DEVICE" || "$BRICK_DEVICE" =~ ^/dev/[A-Za-z0-9._/:-]+$ ]] || die "GLUSTER_BRICK_DEVICE must be empty or a /dev/... path"
[[ "$SKIP_INSTALL" =~ ^[01]$ ]] || die "GLUSTER_SKIP_INSTALL must be 0 or 1"
[[ "$ENABLE_GANESHA" =~ ^[01]$ ]] || die "GLUSTER_ENABLE_GANESHA must be 0 or 1"
[[ "$PING_TIMEOUT" =~ ^[1-9][0-9]{0,2}$ ]] || die "GLUSTER_PING_TIMEOUT must be 1..999"
[[ "$WAIT_SECONDS" =~ ^[1-9][0-9]{0,4}$ ]] || die "GLUSTER_WAIT_SECONDS must be a positive integer"

ipv4_re='^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$'
read -r -a NODE_IPS <<<"$NODE_IPS_RAW"
[[ ${#NODE_IPS[@]} -eq 3 ]] || die "GLUSTER_NODE_IPS must hold exactly 3 IPv4 addresses"
for ip in "${NODE_IPS[@]}"; do [[ "$ip" =~ $ipv4_re ]] || die "invalid IPv4 address '$ip' in GLUSTER_NODE_IPS"; done
[[ "${NODE_IPS[0]}" != "${NODE_IPS[1]}" && "${NODE_IPS[0]}" != "${NODE_IPS[2]}" && "${NODE_IPS[1]}" != "${NODE_IPS[2]}" ]] \
    || die "GLUSTER_NODE_IPS must be 3 distinct addresses"
MY_IP="${NODE_IPS[$NODE_INDEX]}"

AUTH_ALLOW="${GLUSTER_AUTH_ALLOW:-${NODE_IPS[0]},${NODE_IPS[1]},${NODE_IPS[2]},127.0.0.1}"
[[ "$AUTH_ALLOW" =~ ^[0-9.*/,]+$ ]] || die "GLUSTER_AUTH_ALLOW must be a comma-separated list of addresses"

read -r -a SUBDIR_SPECS <<<"$SUBDIRS"
for spec in "${SUBDIR_SPECS[@]}"; do
    [[ "$spec" =~ ^[a-z][a-z0-9-]{0,62}:[0-9]{1,10}:[0-9]{1,10}$ ]] || die "invalid GLUSTER_SUBDIRS entry '$spec' (want name:uid:gid)"
done

BRICK_DIR="${BRICK_ROOT}/${VOLUME}"
RETRY_SLEEP=3
MAX_TRIES=$(( (WAIT_SECONDS + RETRY_SLEEP - 1) / RETRY_SLEEP ))
export DEBIAN_FRONTEND=noninteractive
export LC_ALL=C

# The gluster CLI in script mode (never prompts); --timeout bounds every single call.
g() { gluster --mode=script --timeout=60 "$@"; }

has_systemd() { [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; }

# ---------------------------------------------------------------------------------------------
# 1. Packages (distro packages only)
# ---------------------------------------------------------------------------------------------
pkg_installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]; }

ensure_packages() {
    local wanted=(glusterfs-server glusterfs-client xfsprogs attr)
    [[ "$ENABLE_GANESHA" == 1 ]] && wanted+=(nfs-ganesha nfs-ganesha-gluster)
    if [[ "$SKIP_INSTALL" == 1 ]]; then
        log "GLUSTER_SKIP_INSTALL=1: not installing packages"
    else
        local missing=() p
        for p in "${wanted[@]}"; do pkg_installed "$p" || missing+=("$p"); done
        if ((${#missing[@]})); then
            log "installing ${missing[*]}"
            local try
            for try in 1 2 3; do
                if apt-get -o DPkg::Lock::Timeout=300 update -q && \
                   apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}"; then
                    break
                fi
                [[ $try == 3 ]] && die "apt-get install ${missing[*]} failed"
                sleep 10
            done
            changed "installed ${missing[*]}"
        fi
    fi
    command -v glusterd >/dev/null || die "glusterd not found (glusterfs-server not installed)"
    command -v gluster >/dev/null || die "gluster CLI not found"
}

# ---------------------------------------------------------------------------------------------
# 2. Brick filesystem
# ---------------------------------------------------------------------------------------------
ensure_brick() {
    if [[ -z "$BRICK_DEVICE" ]]; then
        log "no GLUSTER_BRICK_DEVICE: using a directory brick on the root filesystem (tests only)"
        mkdir -p "$BRICK_ROOT"
    else
        local i dev fstype uuid line mp_entry
        for ((i = 0; i < MAX_TRIES; i++)); do [[ -b "$BRICK_DEVICE" ]] && break; sleep "$RETRY_SLEEP"; done
        [[ -b "$BRICK_DEVICE" ]] || die "brick device $BRICK_DEVICE did not appear within ${WAIT_SECONDS}s"
        dev="$(readlink -f "$BRICK_DEVICE")"

        # blkid -p probes the device itself (no cache). Exit 2 = no signature of any kind.
        fstype="$(blkid -p -s TYPE -o value "$dev" 2>/dev/null)" && rc=0 || rc=$?
        if [[ $rc -eq 2 ]]; then
            # Also refuse if it carries a partition table (blkid -p reports PTTYPE separately).
            if [[ -n "$(blkid -p -s PTTYPE -o value "$dev" 2>/dev/null || true)" ]]; then
                die "$dev has a partition table; refusing to format it"
            fi
            log "formatting $dev ($BRICK_DEVICE) as XFS"
            mkfs.xfs -q -i size=512 "$dev"   # no -f: mkfs.xfs itself refuses to overwrite a signature
            udevadm settle >/dev/null 2>&1 || true
            changed "formatted $BRICK_DEVICE as XFS"
            fstype=xfs
        elif [[ $rc -ne 0 ]]; then
            die "blkid failed on $dev (rc=$rc)"
        fi
        [[ "$fstype" == xfs ]] || die "$BRICK_DEVICE already holds a '$fstype' filesystem; refusing to touch it (expected xfs)"
        uuid="$(blkid -p -s UUID -o value "$dev")"
        [[ "$uuid" =~ ^[0-9a-fA-F-]+$ ]] || die "could not read the filesystem UUID of $dev"

        line="UUID=${uuid} ${BRICK_ROOT} xfs defaults,noatime,inode64,nofail 0 2"
        touch /etc/fstab
        mp_entry="$(awk -v mp="$BRICK_ROOT" '$1 !~ /^#/ && $2 == mp' /etc/fstab)"
        if [[ -z "$mp_entry" ]]; then
            printf '# gluster brick for volume %s (managed by %s)\n%s\n' "$VOLUME" "$SELF" "$line" >>/etc/fstab
            changed "added /etc/fstab entry for $BRICK_ROOT"
        elif [[ "$mp_entry" != "$line" ]]; then
            die "/etc/fstab already has a different entry for $BRICK_ROOT: '$mp_entry' (expected '$line'); fix it by hand"
        fi

        mkdir -p "$BRICK_ROOT"
        if ! mountpoint -q "$BRICK_ROOT"; then
            mount "$BRICK_ROOT"
            changed "mounted $BRICK_ROOT"
        fi
        local src
        src="$(findmnt -n -o SOURCE --target "$BRICK_ROOT")"
        [[ "$(readlink -f "$src")" == "$dev" ]] || die "$BRICK_ROOT is mounted from $src, not $dev"
    fi
    if [[ ! -d "$BRICK_DIR" ]]; then
        mkdir -p "$BRICK_DIR"
        changed "created brick directory $BRICK_DIR"
    fi
}

# ---------------------------------------------------------------------------------------------
# 2b. glusterd's state (/var/lib/glusterd) lives on the brick disk
# ---------------------------------------------------------------------------------------------
# A node is identified in the pool by the UUID in /var/lib/glusterd/glusterd.info, and the peers
# and volume definitions live next to it. On the OS disk that state dies with the VM: a replaced VM
# would start glusterd with a NEW UUID that its peers do not know, and rejoin only by hand (restore
# the old UUID, probe, restart: GlusterFS Administrator Guide, Managing Volumes, "Replacing hosts",
# "Replacing a host machine with the same hostname",
# https://docs.gluster.org/en/main/Administrator-Guide/Managing-Volumes/). Keeping the state on the
# brick disk, which outlives the VM, makes a replaced VM with its old disk come back exactly like a
# rebooted one: same UUID, peers and volume.
GLUSTERD_DIR=/var/lib/glusterd
STATE_DIR="${BRICK_ROOT}/glusterd"

same_dir() { [[ -d "$1" && -d "$2" && "$(stat -c '%d:%i' "$1")" == "$(stat -c '%d:%i' "$2")" ]]; }

stop_glusterd() { # only glusterd: brick and self-heal processes keep serving (KillMode=process in the unit)
    if has_systemd; then
        systemctl is-active --quiet glusterd && { systemctl stop glusterd; changed "stopped glusterd (state moves to the brick disk)"; }
    elif glusterd_alive; then
        kill "$(cat /run/glusterd.pid)"
        local i; for ((i = 0; i < 30; i++)); do glusterd_alive || break; sleep 1; done
        glusterd_alive && die "glusterd did not stop"
        changed "stopped glusterd (state moves to the brick disk)"
    fi
    return 0
}

ensure_glusterd_state() {
    same_dir "$GLUSTERD_DIR" "$STATE_DIR" && return 0
    [[ -z "$BRICK_DEVICE" ]] || mountpoint -q "$BRICK_ROOT" || die "$BRICK_ROOT is not mounted: refusing to put glusterd's state on the OS disk"
    # glusterd may already run on the OS disk's state (the package starts it; boot order): that
    # instance has a throw-away UUID no peer knows. Stop it before switching.
    stop_glusterd
    if [[ ! -d "$STATE_DIR" ]]; then
        # First run on this disk: the node's current state (or the package's defaults) moves there.
        rm -rf "$STATE_DIR.new"
        cp -a "$GLUSTERD_DIR/." "$STATE_DIR.new/"
        mv "$STATE_DIR.new" "$STATE_DIR"
        changed "copied $GLUSTERD_DIR to $STATE_DIR"
    else
        log "found glusterd state on the brick disk (UUID $(sed -n 's/^UUID=//p' "$STATE_DIR/glusterd.info" 2>/dev/null || echo '?')): this node rejoins as itself"
    fi
    local line="$STATE_DIR $GLUSTERD_DIR none bind,nofail,x-systemd.requires-mounts-for=$BRICK_ROOT 0 0" entry
    entry="$(awk -v mp="$GLUSTERD_DIR" '$1 !~ /^#/ && $2 == mp' /etc/fstab)"
    if [[ -z "$entry" ]]; then
        printf '# glusterd state on the brick disk (managed by %s)\n%s\n' "$SELF" "$line" >>/etc/fstab
        changed "added /etc/fstab bind entry for $GLUSTERD_DIR"
    elif [[ "$entry" != "$line" ]]; then
        die "/etc/fstab already has a different entry for $GLUSTERD_DIR: '$entry' (expected '$line'); fix it by hand"
    fi
    mkdir -p "$GLUSTERD_DIR"
    mount "$GLUSTERD_DIR"
    same_dir "$GLUSTERD_DIR" "$STATE_DIR" || die "$GLUSTERD_DIR is not $STATE_DIR after mounting"
    changed "bind-mounted $STATE_DIR at $GLUSTERD_DIR"
    if has_systemd; then
        # On later boots glusterd must wait for that bind mount (and fail, not start afresh, without it).
        mkdir -p /etc/systemd/system/glusterd.service.d
        printf '[Unit]\nRequiresMountsFor=%s\n' "$GLUSTERD_DIR" >/etc/systemd/system/glusterd.service.d/state-on-brick-disk.conf
        systemctl daemon-reload
    fi
}

# ---------------------------------------------------------------------------------------------
# 3. glusterd
# ---------------------------------------------------------------------------------------------
# A pid file names a live daemon only if that pid runs the right program and is not a zombie
# (after a kill -9 the dead daemon can linger as a zombie until its parent reaps it).
pid_alive() { # pid_alive <pidfile> <comm>
    local pid stat
    [[ -s "$1" ]] || return 1
    pid="$(cat "$1")"
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    stat="$(cat "/proc/$pid/stat" 2>/dev/null)" || return 1
    [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == "$2" ]] || return 1
    stat="${stat##*) }"                     # fields after "(comm) "; the first is the state
    [[ "${stat:0:1}" != Z && "${stat:0:1}" != X ]]
}
glusterd_alive() { pid_alive /run/glusterd.pid glusterd; }

ensure_glusterd() {
    if has_systemd; then
        if ! systemctl is-enabled --quiet glusterd; then systemctl enable glusterd; changed "enabled glusterd"; fi
        if ! systemctl is-active --quiet glusterd; then systemctl start glusterd; changed "started glusterd"; fi
    else
        # No systemd (containers, the integration test): same daemon, same pid file as the unit.
        if ! glusterd_alive; then
            mkdir -p /var/log/glusterfs /var/lib/glusterd
            glusterd -p /run/glusterd.pid --log-level INFO
            changed "started glusterd (no systemd)"
        fi
    fi
    local i
    for ((i = 0; i < MAX_TRIES; i++)); do
        g pool list >/dev/null 2>&1 && return 0
        sleep 1
    done
    die "glusterd does not answer the CLI"
}

# ---------------------------------------------------------------------------------------------
# 4. Pool, volume, options (node 0 only)
# ---------------------------------------------------------------------------------------------
peer_state() { # prints the State line for a peer IP (empty if unknown)
    local out
    out="$(g peer status 2>/dev/null || true)"
    awk -v ip="$1" '
        /^Hostname: /     { cur = $2; other = 0; next }
        /^Other names:/   { other = 1; next }
        /^State: /        { st[cur] = substr($0, 8); next }
        other && NF == 1  { alias[$1] = cur }
        END { if (ip in st) print st[ip]; else if ((ip in alias) && (alias[ip] in st)) print st[alias[ip]] }
    ' <<<"$out"
}

ensure_peers() {
    local ip i state
    for ip in "${NODE_IPS[1]}" "${NODE_IPS[2]}"; do
        state="$(peer_state "$ip")"
        if [[ -z "$state" ]]; then
            for ((i = 1; i <= MAX_TRIES; i++)); do
                [[ -n "$(peer_state "$ip")" ]] && break          # re-check: an earlier try may have worked
                if g peer probe "$ip" >/dev/null 2>&1; then break; fi
                ((i % 5 == 1)) && log "peer probe $ip failed (attempt $i/$MAX_TRIES); retrying"
                sleep "$RETRY_SLEEP"
            done
            [[ -n "$(peer_state "$ip")" ]] || die "peer probe $ip did not succeed within ${WAIT_SECONDS}s"
            changed "probed peer $ip"
        fi
    done
    # Volume operations need every peer "Peer in Cluster (Connected)".
    for ip in "${NODE_IPS[1]}" "${NODE_IPS[2]}"; do
        for ((i = 0; i < MAX_TRIES; i++)); do
            [[ "$(peer_state "$ip")" == "Peer in Cluster (Connected)" ]] && break
            sleep 1
        done
        state="$(peer_state "$ip")"
        [[ "$state" == "Peer in Cluster (Connected)" ]] || die "peer $ip is '$state', not connected"
    done
    # ... and every peer must see the whole pool connected too. Otherwise `volume create` fails in
    # staging on that peer ("Host X not connected") AFTER other nodes already stamped their brick with
    # the new volume-id xattr, and every later create fails with "already part of a volume".
    for ip in "${NODE_IPS[1]}" "${NODE_IPS[2]}"; do
        for ((i = 0; i < MAX_TRIES; i++)); do
            [[ "$(remote_connected_count "$ip")" == 3 ]] && break
            sleep 1
        done
        [[ "$(remote_connected_count "$ip")" == 3 ]] || die "peer $ip does not see all 3 pool members connected"
    done
}

remote_connected_count() { # pool members (incl. itself) that glusterd on $1 reports Connected
    local out
    out="$(gluster --mode=script --timeout=20 --remote-host="$1" pool list 2>/dev/null || true)"
    awk 'NR > 1 && $NF == "Connected" { n++ } END { print n + 0 }' <<<"$out"
}

volume_exists() { g volume info "$VOLUME" >/dev/null 2>&1; }
volume_status() { # Created / Started / Stopped / "" (absent)
    local out
    out="$(g volume info "$VOLUME" 2>/dev/null)" || return 0
    awk '/^Status: / { print $2; exit }' <<<"$out"
}

ensure_volume() {
    local i bricks=() force=()
    for i in 0 1 2; do bricks+=("${NODE_IPS[$i]}:${BRICK_DIR}"); done
    [[ -z "$BRICK_DEVICE" ]] && force=(force)
    if ! volume_exists; then
        for ((i = 1; i <= MAX_TRIES; i++)); do
            volume_exists && break
            if out="$(g volume create "$VOLUME" replica 3 transport tcp "${bricks[@]}" "${force[@]}" 2>&1)"; then
                break
            fi
            ((i % 5 == 1)) && log "volume create failed (attempt $i): $out"
            sleep "$RETRY_SLEEP"
        done
        volume_exists || die "could not create volume $VOLUME"
        changed "created replica-3 volume $VOLUME"
    fi
    local info
    info="$(g volume info "$VOLUME")"
    grep -q '^Type: Replicate$' <<<"$info" || die "volume $VOLUME exists but is not Type: Replicate"
    grep -q '^Number of Bricks: 1 x 3 = 3$' <<<"$info" || die "volume $VOLUME exists but is not 1 x 3 bricks"
}

volume_opt_get() {
    local out
    out="$(g volume get "$VOLUME" "$1" 2>/dev/null)" || return 0
    awk -v o="$1" '$1 == o { print $2; exit }' <<<"$out"
}

ensure_option() {
    local opt="$1" want="$2" i
    [[ "$(volume_opt_get "$opt")" == "$want" ]] && return 0
    for ((i = 1; i <= 20; i++)); do
        g volume set "$VOLUME" "$opt" "$want" >/dev/null 2>&1 || true
        [[ "$(volume_opt_get "$opt")" == "$want" ]] && { changed "set $opt=$want"; return 0; }
        sleep "$RETRY_SLEEP"
    done
    die "could not set $opt=$want on $VOLUME (now '$(volume_opt_get "$opt")')"
}

ensure_options() {
    ensure_option network.ping-timeout "$PING_TIMEOUT"
    # Client quorum: writes need 2 of 3 bricks, so one node may fail without split-brain.
    ensure_option cluster.quorum-type auto
    # Server quorum: a glusterd that sees fewer than half of the pool stops its bricks (partition safety).
    # With 3 nodes, one failed node leaves 2 of 3 = quorum met.
    ensure_option cluster.server-quorum-type server
    ensure_option auth.allow "$AUTH_ALLOW"
    # Upcalls for NFS-Ganesha's attribute cache (FSAL_GLUSTER enable_upcall).
    ensure_option features.cache-invalidation on
    # Database-style workload (etcd WAL, PostgreSQL): no client-side write caching or read caching
    # that could hide fsync semantics or serve stale data (cf. Gluster's "db-workload" group).
    ensure_option performance.write-behind off
    ensure_option performance.strict-o-direct on
    ensure_option performance.quick-read off
    ensure_option performance.read-ahead off
    ensure_option performance.io-cache off
    ensure_option performance.stat-prefetch off
    ensure_option performance.readdir-ahead off
}

ensure_started() {
    local i
    [[ "$(volume_status)" == Started ]] && return 0
    for ((i = 1; i <= MAX_TRIES; i++)); do
        [[ "$(volume_status)" == Started ]] && break
        g volume start "$VOLUME" >/dev/null 2>&1 || true
        sleep 1
    done
    [[ "$(volume_status)" == Started ]] || die "could not start volume $VOLUME"
    changed "started volume $VOLUME"
}

# Directories for Kubernetes PersistentVolumes (<volume>/<subdir>), created through a temporary
# FUSE mount of the volume on node 0.
MNT=""
cleanup_mount() {
    if [[ -n "$MNT" ]]; then
        umount "$MNT" 2>/dev/null || umount -l "$MNT" 2>/dev/null || true
        rmdir "$MNT" 2>/dev/null || true
        MNT=""
    fi
}
trap cleanup_mount EXIT

ensure_subdirs() {
    mkdir -p /run/gluster-bootstrap
    MNT="$(mktemp -d /run/gluster-bootstrap/mnt.XXXXXX)"
    local i ok=0
    for ((i = 1; i <= 10; i++)); do
        if mount -t glusterfs -o "log-file=/var/log/glusterfs/gluster-bootstrap-mount.log" \
               "127.0.0.1:/${VOLUME}" "$MNT" 2>/dev/null && mountpoint -q "$MNT"; then ok=1; break; fi
        sleep "$RETRY_SLEEP"
    done
    [[ $ok == 1 ]] || die "could not FUSE-mount $VOLUME to create the Kubernetes directories"
    local spec name uid gid path cur
    for spec in "${SUBDIR_SPECS[@]}"; do
        IFS=: read -r name uid gid <<<"$spec"
        path="$MNT/$name"
        cur="$(stat -c '%u:%g:%a' "$path" 2>/dev/null || true)"
        [[ "$cur" == "$uid:$gid:700" ]] && continue
        for ((i = 1; i <= MAX_TRIES; i++)); do   # right after start, quorum may need a moment
            if { mkdir -p "$path" && chown "$uid:$gid" "$path" && chmod 0700 "$path"; } 2>/dev/null; then break; fi
            sleep "$RETRY_SLEEP"
        done
        if [[ "$(stat -c '%u:%g:%a' "$path" 2>/dev/null || true)" != "$uid:$gid:700" ]]; then
            die "could not prepare $VOLUME/$name"
        fi
        changed "prepared $VOLUME/$name ($uid:$gid 0700, was '${cur:-absent}')"
    done
    cleanup_mount
}

wait_for_volume() { # nodes 1 and 2: the volume is created by node 0
    local i
    for ((i = 0; i < MAX_TRIES; i++)); do
        [[ "$(volume_status)" == Started ]] && return 0
        ((i % 20 == 0)) && log "waiting for node 0 to create/start volume $VOLUME"
        sleep "$RETRY_SLEEP"
    done
    die "volume $VOLUME not started within ${WAIT_SECONDS}s"
}

# ---------------------------------------------------------------------------------------------
# 5. NFS-Ganesha (FSAL_GLUSTER, NFSv4 only)
# ---------------------------------------------------------------------------------------------
GANESHA_CONF=/etc/ganesha/ganesha.conf
GANESHA_PID=/run/ganesha/ganesha.pid

ganesha_conf() {
    cat <<EOF
# Managed by ${SELF}: exports Gluster volume "${VOLUME}" over NFSv4 only. Local edits are overwritten.
NFS_CORE_PARAM {
    Protocols = 4;
    Enable_NLM = false;
    Enable_RQUOTA = false;
    NFS_Port = 2049;
}
NFSV4 {
    # No grace period after (re)start: creates would block for 90 s otherwise. This is safe here
    # because clients do not hold NFSv4 locks that must be reclaimed (etcd/PostgreSQL lock locally).
    Graceless = true;
}
LOG {
    Default_Log_Level = EVENT;
}
EXPORT {
    Export_Id = 1;
    Path = "/${VOLUME}";
    Pseudo = "/${VOLUME}";
    Access_Type = RW;
    Squash = No_Root_Squash;
    SecType = "sys";
    Protocols = 4;
    Transports = TCP;
    FSAL {
        Name = GLUSTER;
        Hostname = "localhost";
        Volume = "${VOLUME}";
        Enable_Upcall = true;
        Transport = tcp;
        glfs_log = "/var/log/ganesha/ganesha-gfapi.log";
    }
}
EOF
}

ganesha_alive() { pid_alive "$GANESHA_PID" ganesha.nfsd; }

ganesha_listening() { ss -Htln 'sport = :2049' 2>/dev/null | grep -q . ; }

ensure_ganesha() {
    command -v ganesha.nfsd >/dev/null || die "ganesha.nfsd not found (nfs-ganesha not installed)"
    [[ -e /usr/lib/x86_64-linux-gnu/ganesha/libfsalgluster.so || -n "$(find /usr/lib -name 'libfsalgluster.so*' -print -quit 2>/dev/null)" ]] \
        || die "FSAL_GLUSTER not found (nfs-ganesha-gluster not installed)"
    mkdir -p /etc/ganesha /var/log/ganesha /var/lib/nfs/ganesha /run/ganesha
    local want restart=0
    want="$(ganesha_conf)"
    if [[ ! -f "$GANESHA_CONF" || "$(cat "$GANESHA_CONF")" != "$want" ]]; then
        printf '%s\n' "$want" >"$GANESHA_CONF.tmp" && mv "$GANESHA_CONF.tmp" "$GANESHA_CONF"
        changed "wrote $GANESHA_CONF"
        restart=1
    fi
    if has_systemd; then
        if ! systemctl is-enabled --quiet nfs-ganesha; then systemctl enable nfs-ganesha; changed "enabled nfs-ganesha"; fi
        if ! systemctl is-active --quiet nfs-ganesha; then
            systemctl start nfs-ganesha; changed "started nfs-ganesha"
        elif [[ $restart == 1 ]]; then
            systemctl restart nfs-ganesha; changed "restarted nfs-ganesha"
        fi
    else
        if ganesha_alive && [[ $restart == 1 ]]; then
            kill "$(cat "$GANESHA_PID")" || true
            local i; for ((i = 0; i < 30; i++)); do ganesha_alive || break; sleep 1; done
        fi
        if ! ganesha_alive; then
            ganesha.nfsd -f "$GANESHA_CONF" -L /var/log/ganesha/ganesha.log -p "$GANESHA_PID" -N NIV_EVENT
            changed "started ganesha.nfsd (no systemd)"
        fi
    fi
    local i
    for ((i = 0; i < 60; i++)); do ganesha_listening && return 0; sleep 1; done
    tail -n 20 /var/log/ganesha/ganesha.log >&2 2>/dev/null || true
    die "NFS-Ganesha is not listening on port 2049"
}

# ---------------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------------
log "start: volume=$VOLUME ip=$MY_IP brick=${MY_IP}:${BRICK_DIR} device=${BRICK_DEVICE:-<directory>} ganesha=$ENABLE_GANESHA"
ensure_packages
ensure_brick
ensure_glusterd_state
ensure_glusterd
if [[ "$NODE_INDEX" == 0 ]]; then
    ensure_peers
    ensure_volume
    ensure_options
    ensure_started
    ensure_subdirs
elif [[ "$ENABLE_GANESHA" == 1 ]]; then
    wait_for_volume    # Ganesha can only export an existing, started volume
fi

if [[ "$(volume_status)" == Started ]]; then
    # Trigger an index heal on every run: after a reboot/crash the node's brick catches up at once
    # instead of waiting for the self-heal daemon's 10-minute crawl. Not a state change.
    if ! out="$(g volume heal "$VOLUME" 2>&1)"; then log "warning: 'gluster volume heal $VOLUME' failed: $out"; fi
fi

if [[ "$ENABLE_GANESHA" == 1 ]]; then ensure_ganesha; fi

log "done"
echo "bootstrap: changed=${CHANGED}"
