#!/usr/bin/env bash
# tests/package.sh — build the Debian package from a copy of the tree and
# prove what it installs works for the service user:
#   1. dpkg-buildpackage -us -uc -b (Debian's own tooling), in a scratch dir
#   2. the file list, conffiles and the systemd maintainer scripts
#   3. dpkg-deb -x into a scratch root; owners and modes as installed
#   4. churnwatchd --check-config in a chroot of that root, as an
#      unprivileged uid (setpriv), with the directory owners and modes the
#      package and systemd create (root 0644/0755 config; a credentials
#      directory of the service user, 0500, with a 0400 credential) —
#      and the two ways it must fail (the old 0750 config dir; a
#      world-readable secret)
#   5. systemd-analyze security --offline=true: exposure <= 2.0
# Usage: tests/package.sh [WORKDIR]   (needs root, as CI has)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${1:-$(mktemp -d /tmp/cw-pkg.XXXXXX)}
VERSION=$(sed -n "s/^ *version : '\([^']*\)'.*/\1/p" "$ROOT/meson.build")
SRC="$WORK/churnwatch-$VERSION"
DEST="$WORK/root"
SVC_UID=61234
fails=0
ok()   { echo "ok   - $*"; }
bad()  { echo "FAIL - $*"; fails=$((fails + 1)); }
check(){ local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

[ "$(id -u)" -eq 0 ] || { echo "tests/package.sh needs root (chroot, file owners)"; exit 77; }
rm -rf "$SRC" "$DEST"
mkdir -p "$SRC"
# The tree as git sees it (tracked and new files, no build dirs).
(cd "$ROOT" && git ls-files -z -co --exclude-standard | xargs -0 tar cf - 2>/dev/null) \
  | tar xf - -C "$SRC"

echo "== dpkg-buildpackage (log: $WORK/build.log)"
if ! (cd "$SRC" && dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1; then
  tail -40 "$WORK/build.log"; echo "FAIL - dpkg-buildpackage"; exit 1
fi
DEB=$(ls "$WORK"/churnwatch_"$VERSION"*_*.deb | head -1)
ok "built $(basename "$DEB")"

echo "== contents"
dpkg-deb -c "$DEB" | awk '{print $6}' | sed 's|^\./|/|' | sort >"$WORK/files"
for f in /usr/bin/churnwatchd /usr/bin/churnctl \
         /etc/churnwatch/churnwatch.yaml /etc/churnwatch/plans.yaml \
         /etc/churnwatch/networks.yaml /etc/churnwatch/rules.d/ \
         /etc/churnwatch/credentials/ \
         /usr/share/churnwatch/rules/10-core.yaml \
         /usr/share/churnwatch/rules/20-usage.yaml \
         /usr/share/churnwatch/rules/30-billing.yaml \
         /usr/share/churnwatch/rules/40-account.yaml \
         /usr/share/churnwatch/rules/50-score.yaml \
         /lib/systemd/system/churnwatchd.service \
         /usr/share/man/man8/churnwatchd.8.gz /usr/share/man/man1/churnctl.1.gz \
         /usr/share/man/man5/churnwatch.yaml.5.gz \
         /usr/share/man/man5/churnwatch-rules.5.gz \
         /usr/share/doc/churnwatch/examples/local-overrides.yaml; do
  check "ships $f" grep -qxF "$f" "$WORK/files"
done
for f in README.md guarantees.md packaging.md configuration.md score.md; do
  # dh_compress gzips larger docs
  check "ships doc $f" grep -qE "^/usr/share/doc/churnwatch/$f(\.gz)?$" "$WORK/files"
done
mkdir -p "$WORK/control"
dpkg-deb -e "$DEB" "$WORK/control"
for f in /etc/churnwatch/churnwatch.yaml /etc/churnwatch/plans.yaml /etc/churnwatch/networks.yaml; do
  check "conffile $f" grep -qxF "$f" "$WORK/control/conffiles"
done
check "postinst enables the unit (deb-systemd-helper)" \
  grep -q 'deb-systemd-helper.*enable.*churnwatchd.service\|deb-systemd-helper unmask .churnwatchd.service' "$WORK/control/postinst"
check "postinst starts it (deb-systemd-invoke)" grep -q 'deb-systemd-invoke' "$WORK/control/postinst"

echo "== unpacked into $DEST"
dpkg-deb -x "$DEB" "$DEST"
UNIT="$DEST/lib/systemd/system/churnwatchd.service"
check "ExecStart from the prefix" grep -qx 'ExecStart=/usr/bin/churnwatchd -c /etc/churnwatch/churnwatch.yaml' "$UNIT"
check "LoadCredential= for the secrets" grep -q '^LoadCredential=redis-password:/etc/churnwatch/credentials/redis-password' "$UNIT"
check "no SupplementaryGroups requirement" bash -c "! grep -q '^SupplementaryGroups' '$UNIT'"
for m in $(sed -n 's/^Documentation=//p' "$UNIT"); do
  page=${m#man:}; name=${page%(*}; sec=${page#*(}; sec=${sec%)}
  check "Documentation= $m is installed" test -f "$DEST/usr/share/man/man$sec/$name.$sec.gz"
done
mode() { stat -c '%U:%G %a' "$1"; }
check "/etc/churnwatch root 0755" test "$(mode "$DEST/etc/churnwatch")" = "root:root 755"
check "churnwatch.yaml root 0644" test "$(mode "$DEST/etc/churnwatch/churnwatch.yaml")" = "root:root 644"
check "credentials/ root 0700" test "$(mode "$DEST/etc/churnwatch/credentials")" = "root:root 700"
check "installed config loads the vendor pack" grep -qx 'vendor_rules: /usr/share/churnwatch/rules' "$DEST/etc/churnwatch/churnwatch.yaml"

echo "== --check-config as uid $SVC_UID in a chroot"
# The programs and the shared libraries they need, nothing else.
copy_with_libs() {
  local bin=$1 lib
  mkdir -p "$DEST$(dirname "$bin")"
  [ -e "$DEST$bin" ] || cp "$bin" "$DEST$bin"
  for lib in $(ldd "$DEST$bin" | grep -oE '/[^ ]+'); do
    [ -e "$DEST$lib" ] || { mkdir -p "$DEST$(dirname "$lib")"; cp -L "$lib" "$DEST$lib"; }
  done
}
copy_with_libs /usr/bin/setpriv
copy_with_libs /usr/bin/env
copy_with_libs /usr/bin/churnwatchd   # already there: copies its libraries
mkdir -p "$DEST/dev" && [ -e "$DEST/dev/null" ] || mknod -m 666 "$DEST/dev/null" c 1 3
as_service() { # as_service CONFIG [CREDENTIALS_DIRECTORY] — -t as the dynamic user would run it
  chroot "$DEST" /usr/bin/setpriv --reuid=$SVC_UID --regid=$SVC_UID --clear-groups \
    --no-new-privs /usr/bin/env -i ${2:+CREDENTIALS_DIRECTORY=$2} \
    /usr/bin/churnwatchd --check-config -c "$1"
}
if out=$(as_service /etc/churnwatch/churnwatch.yaml 2>&1); then
  ok "installed config: $(echo "$out" | sed -n 2p | sed 's/^ *//')"
else
  bad "installed config as uid $SVC_UID: $out"
fi
# systemd's credential directory: owned by the service user, 0500, 0400 files.
CRED=/run/credentials/churnwatchd.service
mkdir -p "$DEST$CRED"
printf 's3cret\n' >"$DEST$CRED/redis-password"
chown -R $SVC_UID:$SVC_UID "$DEST$CRED"; chmod 0400 "$DEST$CRED/redis-password"; chmod 0500 "$DEST$CRED"
cp "$DEST/etc/churnwatch/churnwatch.yaml" "$DEST/etc/churnwatch/with-secret.yaml"
echo 'redis.password_file: $CREDENTIALS_DIRECTORY/redis-password' >>"$DEST/etc/churnwatch/with-secret.yaml"
chmod 0644 "$DEST/etc/churnwatch/with-secret.yaml"
if out=$(as_service /etc/churnwatch/with-secret.yaml "$CRED" 2>&1); then
  check "credential read: $(echo "$out" | grep -o 'redis .*password[^,]*')" grep -q 'with password' <<<"$out"
else
  bad "credential as uid $SVC_UID: $out"
fi
out=$(as_service /etc/churnwatch/with-secret.yaml 2>&1) && bad "no CREDENTIALS_DIRECTORY accepted" ||
  check "no \$CREDENTIALS_DIRECTORY: clear error" grep -q 'CREDENTIALS_DIRECTORY is not set' <<<"$out"
chmod 0404 "$DEST$CRED/redis-password"
out=$(as_service /etc/churnwatch/with-secret.yaml "$CRED" 2>&1) && bad "world-readable secret accepted" ||
  check "world-readable secret refused" grep -q 'readable by everyone' <<<"$out"
chmod 0400 "$DEST$CRED/redis-password"
# The reported failure: ConfigurationDirectoryMode=0750 on a root-owned dir.
chmod 0750 "$DEST/etc/churnwatch"
out=$(as_service /etc/churnwatch/churnwatch.yaml 2>&1) && bad "0750 root config dir readable?" ||
  check "old 0750 layout fails as reported (Permission denied)" grep -q 'Permission denied' <<<"$out"
chmod 0755 "$DEST/etc/churnwatch"

echo "== systemd-analyze security"
if command -v systemd-analyze >/dev/null; then
  score=$(systemd-analyze security --offline=true "$UNIT" 2>/dev/null | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  check "exposure $score <= 2.0" awk -v s="$score" 'BEGIN { exit !(s != "" && s <= 2.0) }'
else
  bad "systemd-analyze not found"
fi

if [ "$fails" -eq 0 ]; then echo "package: all checks passed ($DEB)"; else echo "package: $fails checks failed"; fi
[ "$fails" -eq 0 ]
