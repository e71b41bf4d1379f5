#!/usr/bin/env bash
# Debian packages the pipeline needs: Pango for WeasyPrint, HarfBuzz's subsetter (fast font
# subsetting), the CJK faces of the official-document form, poppler-utils for the PDF tests,
# LibreOffice Writer (headless) for the tests that open the DOCX, Chromium and its driver for the previews' tests,
# systemd-analyze for the service units' test, and PostgreSQL for Prefect's own database.
# Installs only what is missing; needs root (or sudo) the first time.
set -euo pipefail

packages=(
  libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fontconfig
  fonts-noto-cjk           # Noto Serif CJK SC Bold (小标宋), Noto Sans CJK SC (黑体)
  texlive-lang-chinese     # FandolFang (仿宋) and FandolKai (楷体), simplified Chinese
  poppler-utils            # pdftotext, pdffonts, pdftoppm
  libreoffice-writer-nogui # soffice --headless --convert-to pdf: the DOCX as an office opens it
  chromium                 # headless, for the tests that open the HTML previews as a browser shows them
  chromium-driver          # chromedriver, through which the review preview's test clicks a figure
  systemd                  # systemd-analyze, which checks the service units
  postgresql               # Prefect's database in production (scripts/install-service.sh --postgres), and its test
)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "Installing Debian packages: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
