#!/usr/bin/env bash
# Sets up, builds, generates a sample corpus and runs the main job on it:
# scan -> locate a subject -> erase it, with a certificate.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/build.sh >/dev/null
DEMO=${DEMO_DIR:-demo}
rm -rf "$DEMO"
mkdir -p "$DEMO"
RODO="./build/rodo --index $DEMO/rodo.db"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1. Generate a sample corpus (2 snapshots x tar.zst, tar.gz, zip, plus a bare .sql.gz)"
./build/rodo-corpus --seed 2026 --size 8M --snapshots 2 --subjects 40 \
  --formats tar.zst,tar.gz,zip,gz --out "$DEMO/corpus"
ls -l "$DEMO/corpus/snapshots"

step "2. Scan every snapshot into the index"
$RODO scan "$DEMO/corpus/snapshots"

step "3. Scan again: unchanged snapshots are skipped"
$RODO scan "$DEMO/corpus/snapshots" | tail -n 1

SUBJECT=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))[0]; print(s["pesel"], s["email"], s["iban"])' "$DEMO/corpus/subjects.json")
read -r PESEL EMAIL IBAN <<<"$SUBJECT"
step "4. Subject access request: where is the data of the person with PESEL $PESEL?"
$RODO locate --pesel "$PESEL" --email "$EMAIL" --iban "$IBAN" | (head -n 12; echo "   ..."; tail -n 1)

step "5. Erasure request R-2026-0042 for that subject: rewrite every snapshot holding it"
$RODO erase --request R-2026-0042 --pesel "$PESEL" --email "$EMAIL" --iban "$IBAN" \
  --report "$DEMO/certificate-R-2026-0042.json"

step "6. The certificate for the controller ($DEMO/certificate-R-2026-0042.json)"
head -c 900 "$DEMO/certificate-R-2026-0042.json"; echo " ..."

step "7. Locate again: nothing left"
$RODO locate --pesel "$PESEL" --email "$EMAIL" --iban "$IBAN"
$RODO requests
