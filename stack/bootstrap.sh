#!/usr/bin/env bash
# Installs what the platform needs on a fresh machine; safe to run again (it skips what is there).
set -euo pipefail
cd "$(dirname "$0")/.."
LOCAL=.local
mkdir -p "$LOCAL"

# Debian packages: Postgres and Redis servers, and Java/Maven for the Kafka broker and S3Proxy.
missing=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
# The console: Node to build it, Debian's Chromium for the browser tests (Playwright never downloads one).
command -v npm >/dev/null || missing+=(nodejs npm)
command -v chromium >/dev/null || missing+=(chromium fonts-dejavu-core)
# Document recognition: Tesseract's language data (the tesserocr wheel carries the library itself) and the
# fonts the labelled sample set is rendered with (DejaVu for Latin and Cyrillic, WenQuanYi Zen Hei for Chinese).
for lang in rus eng chi_sim; do
  ls /usr/share/tesseract-ocr/*/tessdata/$lang.traineddata >/dev/null 2>&1 || missing+=("tesseract-ocr-${lang//_/-}")
done
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || missing+=(fonts-wqy-zenhei)
# Compliance reports: WeasyPrint's Pango (PDF from HTML, DejaVu for Cyrillic); poppler's pdftoppm in the tests.
ldconfig -p | grep -q libpangoft2-1.0.so.0 || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# Debian starts its own clusters on install; the platform runs project-local instances instead.
if command -v systemctl >/dev/null && systemctl is-active --quiet redis-server 2>/dev/null; then
  systemctl stop redis-server || true
fi

# Python environment.
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=$LOCAL/.deps-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -e '.[dev]'
  touch "$stamp"
fi

# Kafka broker jars from Maven Central.
if ! ls $LOCAL/kafka/libs/kafka_2.13-*.jar >/dev/null 2>&1; then
  echo "bootstrap: resolving Kafka jars with Maven"
  mvn -q -B -f stack/kafka/pom.xml dependency:copy-dependencies \
    -DoutputDirectory="$PWD/$LOCAL/kafka/libs" -DincludeScope=runtime
fi

# S3Proxy (the local object store) from Maven Central: one self-contained jar.
if ! ls $LOCAL/s3proxy/lib/s3proxy-*-jar-with-dependencies.jar >/dev/null 2>&1; then
  echo "bootstrap: resolving S3Proxy with Maven"
  mvn -q -B -f stack/s3proxy/pom.xml dependency:copy-dependencies \
    -DoutputDirectory="$PWD/$LOCAL/s3proxy/lib" -DincludeScope=runtime
fi

# The local mail catcher (maildev, from npm), exactly as locked.
if [ ! -d stack/maildev/node_modules ] || [ stack/maildev/package-lock.json -nt stack/maildev/node_modules/.package-lock.json ]; then
  echo "bootstrap: installing maildev"
  (cd stack/maildev && npm ci --no-audit --no-fund --loglevel=error)
fi

# The console's packages, exactly as locked.
if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "bootstrap: installing the console's packages"
  (cd web && npm ci --no-audit --no-fund --loglevel=error)
fi
