#!/usr/bin/env bash
# Fleet generator (benchmarks only): fills a migrated CompatService database with FLEET_KERNELS (default 1000) distinct
# kernels made from the corpus kernels (../shared/corpus/btf/*, else tests/fixtures/kernels):
#   - the real corpus kernels are imported as they are (`CompatService.Api.dll import`, label fleet=base);
#   - the rest are SYNTHETIC: each is one real kernel's raw vmlinux BTF with a distinct release
#     ("<release>+fleetNNNN") and a harmless change that gives it its own sha256: bytes appended after the BTF string
#     section ("\0synthetic fleet kernel NNNN\0"), which libbpf and CompatService's parser skip (the sections are
#     addressed by the header; a real kernel would refuse the trailing bytes, so these are never loadable blobs).
#     Label synthetic=fleet, source "synthetic:fleet from <base source>", so every listing, matrix and CSV says so.
#     Everything else (modules, config, .BTF_ids flags, symbol index) is the base kernel's, copied in SQL: the BTF
#     they describe is byte-for-byte the base's. Bulk: one INSERT … SELECT per table and chunk, FLEET_JOBS chunks at once.
# Each synthetic kernel gets a `kernel` job in the same transaction, as an upload would.
# Usage: ConnectionStrings__Compat=... scripts/fleet.sh [N]   (env COMPAT_API_DLL: a built CompatService.Api.dll)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-${FLEET_KERNELS:-1000}}
jobs=${FLEET_JOBS:-2}
cs=${ConnectionStrings__Compat:?set ConnectionStrings__Compat to the (migrated) database}
field() { sed -nE "s/.*(^|;)[[:space:]]*$1=([^;]*).*/\2/ip" <<<"$cs" | head -1; }
export PGHOST=$(field Host) PGPORT=$(field Port) PGDATABASE=$(field Database) PGUSER=$(field 'User ?name') PGPASSWORD=$(field Password)
[[ -n "$PGPORT" ]] || export PGPORT=5432
sql() { psql -v ON_ERROR_STOP=1 -tAq "$@"; }

corpus=${COMPAT_CORPUS:-$(cd "$root/.." && pwd)/shared/corpus}
bases=$corpus/btf
[[ -d "$bases" ]] || bases=$root/tests/fixtures/kernels
dll=${COMPAT_API_DLL:-}
if [[ -z "$dll" ]]; then
  dotnet build "$root/src/CompatService.Api/CompatService.Api.csproj" -c Release -o /tmp/compat-fleet-app -nologo -v quiet >&2
  dll=/tmp/compat-fleet-app/CompatService.Api.dll
fi

t0=$(date +%s.%N); ilog=$(mktemp /tmp/compat-fleet-import.XXXXXX)
# the import also tries the directory's loose files (a README): judge it by the kernel directories stored
dotnet "$dll" import "$bases" --label fleet=base >/dev/null 2>"$ilog" || true
nb=$(sql -c "SELECT count(*) FROM kernels WHERE labels->>'fleet' = 'base'")
ndirs=$(ls -d "$bases"/*/vmlinux.btf.gz | wc -l)
(( nb == ndirs )) || { echo "fleet: $nb of $ndirs corpus kernels stored" >&2; tail -5 "$ilog" >&2; exit 1; }
synth=$(( n > nb ? n - nb : 0 ))
echo "fleet: $nb corpus kernels imported from $bases in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s; making $synth synthetic" >&2

# one chunk: synthetic kernels lo..hi (1-based), base = the ((i-1) mod nb)-th corpus kernel by id
chunk() {
  sql -v lo="$1" -v hi="$2" <<'SQL'
BEGIN;
CREATE TEMP TABLE f ON COMMIT DROP AS
SELECT i, b.id AS base_id, b.sha256 AS base_sha, convert_to(E'\n' || 'synthetic fleet kernel ' || lpad(i::text, 4, '0') || E'\n', 'UTF8') AS suffix
FROM generate_series(:lo, :hi) i
JOIN (SELECT id, sha256, row_number() OVER (ORDER BY id) - 1 AS rn, count(*) OVER () AS nb FROM kernels WHERE labels->>'fleet' = 'base') b
  ON b.rn = (i - 1) % b.nb;
CREATE TEMP TABLE fb ON COMMIT DROP AS
SELECT f.i, f.base_id, encode(sha256(kb.data || f.suffix), 'hex') AS sha, length(kb.data) + length(f.suffix) AS size
FROM f JOIN kernel_blobs kb ON kb.sha256 = f.base_sha;
INSERT INTO kernel_blobs (sha256, data, size)
SELECT fb.sha, kb.data || f.suffix, fb.size FROM fb JOIN f USING (i) JOIN kernel_blobs kb ON kb.sha256 = f.base_sha
ON CONFLICT DO NOTHING;
CREATE TEMP TABLE nk ON COMMIT DROP AS
WITH ins AS (
  INSERT INTO kernels (sha256, release, arch, flavour, distro, labels, source, upload_sha256, upload_size, has_config, kfunc_flags,
                       type_count, function_count, kfunc_count, has_kfunc_tags, has_kfunc_flags, created_at)
  SELECT fb.sha, coalesce(k.release, 'unknown') || '+fleet' || lpad(fb.i::text, 4, '0'), k.arch, k.flavour, k.distro,
         (k.labels - 'fleet') || jsonb_build_object('synthetic', 'fleet'), 'synthetic:fleet from ' || k.source, fb.sha, fb.size,
         k.has_config, k.kfunc_flags, k.type_count, k.function_count, k.kfunc_count, k.has_kfunc_tags, k.has_kfunc_flags, now()
  FROM fb JOIN kernels k ON k.id = fb.base_id
  ON CONFLICT DO NOTHING
  RETURNING id, sha256)
SELECT ins.id, fb.base_id FROM ins JOIN fb ON fb.sha = ins.sha256;
INSERT INTO kernel_modules (kernel_id, name, blob_sha256, ordinal, created_at)
SELECT nk.id, m.name, m.blob_sha256, m.ordinal, now() FROM nk JOIN kernel_modules m ON m.kernel_id = nk.base_id;
INSERT INTO kernel_configs (kernel_id, text) SELECT nk.id, c.text FROM nk JOIN kernel_configs c ON c.kernel_id = nk.base_id;
INSERT INTO kernel_symbols (kernel_id, kind, name, module, btf_id, prototype, flags, tagged)
SELECT nk.id, s.kind, s.name, s.module, s.btf_id, s.prototype, s.flags, s.tagged FROM nk JOIN kernel_symbols s ON s.kernel_id = nk.base_id;
INSERT INTO jobs (kind, payload, state, attempts, created_at)
SELECT 'kernel', jsonb_build_object('Id', nk.id), 'queued', 0, now() FROM nk ORDER BY nk.id;
COMMIT;
SQL
}
if (( synth > 0 )); then
  per=$(( (synth + jobs - 1) / jobs )); pids=()
  for ((lo = 1; lo <= synth; lo += per)); do
    hi=$(( lo + per - 1 < synth ? lo + per - 1 : synth ))
    chunk "$lo" "$hi" & pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
fi
# The SQL copies bypass ingest, which computes each kernel's surface (issue 13 §2): compute theirs as ingest would
# (FLEET_SURFACES=0 leaves them to be built on first use, the path of a database from before surfaces).
if (( synth > 0 )) && [[ "${FLEET_SURFACES:-1}" != 0 ]]; then
  t1=$(date +%s.%N)
  dotnet "$dll" migrate --surfaces >/dev/null 2>>"$ilog"
  echo "fleet: surfaces of $synth synthetic kernels computed (migrate --surfaces) in $(awk -v a="$t1" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s" >&2
fi
total=$(sql -c "SELECT count(*) FROM kernels")
echo "fleet: $total kernels ($nb corpus, $(sql -c "SELECT count(*) FROM kernels WHERE labels->>'synthetic' = 'fleet'") synthetic) in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s" >&2
