#!/usr/bin/env bash
# Builds Gantry's OCI image from this checkout without pulling from any container registry:
#   layer 1: a Debian root file system with Debian's Java 17 runtime, made by mmdebstrap from Debian's package
#            mirrors (the host's own apt sources when the host runs the same Debian release);
#   layer 2: the distribution Maven built (distribution/target/assembly), in /opt/gantry;
#   config:  entrypoint bin/serve (SageMaker's "serve" too), user 1000:0, ports 8080 and 8001, SageMaker's labels.
# The result is an OCI image layout and the same as an OCI archive, which skopeo, podman, containerd and Docker
# read (docs/deployment.md says how to push it). The CPU image is the default; docs/deployment.md says how a GPU
# image differs.
#
# Usage: deploy/image/build-image.sh [--output DIR] [--distribution DIR] [--tag TAG] [--include PACKAGES]
#                                    [--mirror MIRROR]... [--without-rootfs]
#   --output        where to write image/ (the layout) and gantry-<tag>.oci.tar (default: target/image)
#   --distribution  the unpacked distribution to put in the image (default: distribution/target/assembly, built by
#                   mvn -B install -DskipTests)
#   --tag           the image's tag (default: GANTRY_IMAGE_TAG of image.env; a GPU image is <version>-gpu)
#   --include       more Debian packages for the root file system, comma-separated
#   --mirror        an apt source for mmdebstrap (a URL, a "deb ..." line or a sources file); repeatable
#   --without-rootfs  layer 2 and the config alone, on no base: not an image to run in a container, but the same
#                   layout, entrypoint and configuration, made in seconds without root or downloads (the build's
#                   ImageTest checks this one on every run; -Pimage builds and runs the full one)
# Needs root (mmdebstrap's root mode, file owners kept in the layers) and the Debian packages mmdebstrap and umoci
# (scripts/install-prerequisites.sh image installs them). Takes a few minutes and about 100 MB of downloads.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=image.env
. "$root/deploy/image/image.env"

output="$root/target/image"
distribution="$root/distribution/target/assembly"
tag="$GANTRY_IMAGE_TAG"
packages="$GANTRY_IMAGE_PACKAGES"
mirrors=()
rootfs=true
while [ $# -gt 0 ]; do
    case "$1" in
        --output) output="$2"; shift 2 ;;
        --distribution) distribution="$2"; shift 2 ;;
        --tag) tag="$2"; shift 2 ;;
        --include) packages="$packages,$2"; shift 2 ;;
        --mirror) mirrors+=("$2"); shift 2 ;;
        --without-rootfs) rootfs=false; shift ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "build-image: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done

fail() { echo "build-image: $*" >&2; exit 1; }
root_user=false
[ "$(id -u)" -eq 0 ] && root_user=true
tools=(umoci)
if $rootfs; then
    $root_user || fail "run as root: mmdebstrap and umoci must keep the files' owners"
    tools+=(mmdebstrap)
fi
# Without root (--without-rootfs only), umoci records every file as root's.
rootless=()
$root_user || rootless=(--rootless)
for tool in "${tools[@]}"; do
    command -v "$tool" >/dev/null || fail "$tool is missing: apt-get install mmdebstrap umoci"
done
[ -x "$distribution/bin/serve" ] || fail "no distribution at $distribution: build it first (mvn -B install -DskipTests)"

# The host's apt sources when it runs the image's Debian release: the image comes from the mirrors this machine is
# allowed to use. Otherwise mmdebstrap's default mirror.
if [ ${#mirrors[@]} -eq 0 ] && grep -qs "^VERSION_CODENAME=$GANTRY_IMAGE_SUITE\$" /etc/os-release; then
    for sources in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
        if [ -s "$sources" ]; then mirrors+=("$sources"); break; fi
    done
fi

image="$output/image"
archive="$output/gantry-$tag.oci.tar"
mkdir -p "$output"
work="$(mktemp -d "$output/.build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# Reproducible file dates in both layers: the last commit's time.
SOURCE_DATE_EPOCH="$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)"
export SOURCE_DATE_EPOCH
revision="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"

# The layout holds one image: a new build replaces the last.
rm -rf "$image"
umoci init --layout "$image"
umoci new --image "$image:$tag"
umoci unpack "${rootless[@]}" --image "$image:$tag" "$work/bundle"
user_id="${GANTRY_IMAGE_USER%%:*}"
group_id="${GANTRY_IMAGE_USER##*:}"
if $rootfs; then
    echo "build-image: Debian $GANTRY_IMAGE_SUITE root file system with $packages"
    mmdebstrap --quiet --variant=minbase --include="$packages" \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --setup-hook='mkdir -p "$1/usr/share/man/man1"' \
        --customize-hook="chroot \"\$1\" useradd --uid $user_id --gid $group_id --no-create-home --home-dir /opt/gantry --shell /usr/sbin/nologin gantry" \
        "$GANTRY_IMAGE_SUITE" "$work/rootfs.tar" "${mirrors[@]}"
    tar -C "$work/bundle/rootfs" --numeric-owner -xpf "$work/rootfs.tar"
    umoci repack --refresh-bundle --image "$image:$tag" \
        --history.comment "Debian $GANTRY_IMAGE_SUITE minbase with $packages (mmdebstrap)" "$work/bundle"
fi

echo "build-image: Gantry from $distribution"
gantry="$work/bundle/rootfs/opt/gantry"
mkdir -p "$gantry"
# Only what the distribution ships, not what a server run here left behind.
tar -C "$distribution" --exclude=./data --exclude=./instances --exclude=./karaf.pid --exclude=./lock \
    --exclude=./etc/users.properties --exclude=./etc/host.key -cf - . | tar -C "$gantry" -xpf -
# The server writes data/, etc/users.properties (its console user, made on first start) and deploy/: its user
# owns the folder, and group 0 may write too, for platforms that run images under an arbitrary uid in group 0.
$root_user && chown -R "$user_id:$group_id" "$gantry"
chmod -R g=u "$gantry"
java_env=()
if $rootfs; then
    java_home="$(cd "$work/bundle/rootfs" && echo usr/lib/jvm/java-17-openjdk-*)"
    [ -d "$work/bundle/rootfs/$java_home" ] || fail "no Java 17 in the root file system"
    java_env=(--config.env "JAVA_HOME=/$java_home")
fi
umoci repack --image "$image:$tag" --history.comment "Gantry $tag distribution in /opt/gantry" "$work/bundle"

umoci config --image "$image:$tag" --history.comment "Gantry's entrypoint, user, ports and labels" \
    --config.entrypoint /opt/gantry/bin/serve --config.cmd serve \
    --config.user "$GANTRY_IMAGE_USER" --config.workingdir /opt/gantry \
    "${java_env[@]}" \
    --config.env "PATH=/opt/gantry/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    --config.exposedports "$GANTRY_IMAGE_HTTP_PORT/tcp" --config.exposedports "$GANTRY_IMAGE_GRPC_PORT/tcp" \
    --config.stopsignal SIGTERM \
    --config.label com.amazonaws.sagemaker.capabilities.accept-bind-to-port=true \
    --config.label com.amazonaws.sagemaker.capabilities.multi-models=true \
    --config.label org.opencontainers.image.title=gantry \
    --config.label "org.opencontainers.image.version=$tag" \
    --config.label "org.opencontainers.image.revision=$revision" \
    --config.label org.opencontainers.image.licenses=Apache-2.0
umoci gc --layout "$image"

rm -f "$archive"
tar -C "$image" --sort=name --mtime="@$SOURCE_DATE_EPOCH" --owner=0 --group=0 --numeric-owner -cf "$archive" .
echo "build-image: $GANTRY_IMAGE_NAME:$tag"
echo "  OCI layout:  $image (tag $tag)"
echo "  OCI archive: $archive ($(du -h "$archive" | cut -f1))"
