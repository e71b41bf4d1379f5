#!/usr/bin/env bash
# The review preview as docs/review.md and the README show it: the browser test of tests/test_review.py, which
# clicks 受理法律援助案件 in the sample report's review page, saves what the browser shows at that moment.
#   scripts/screenshot-review.sh [OUT.png]   (default docs/review-preview.png)
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-docs/review-preview.png}")
REVIEW_SCREENSHOT="$out" .venv/bin/pytest -q -n 0 -p no:logging \
  tests/test_review.py::test_a_click_on_a_figure_in_a_browser_shows_its_explanation
echo "$out"
