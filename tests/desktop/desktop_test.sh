#!/usr/bin/env bash
# lantern-help BUNDLE rendered offscreen under Xvfb: Home in English and Chinese, search results,
# an article. Each run writes the last frame (PPM) and the accessibility tree (JSON), and
# check_render.py checks that the pixels are not blank and that text is drawn where the tree says.
set -euo pipefail
app=$1 bundle=$2 check=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run() {  # name, extra args...
  local name=$1
  shift
  timeout 60 xvfb-run -a -s "-screen 0 1024x768x24" "$app" "${use_bundle:-$bundle}" --data "$work/data" --frames 6 --size 800x700 \
    --screenshot "$work/$name.ppm" --a11y "$work/$name.json" "$@"
}
run home --lang en
python3 "$check" "$work/home.ppm" "$work/home.json" --textbox "Search help articles" --links 10 --heading Topics --button "Contact support"
run zh --lang zh-CN
python3 "$check" "$work/zh.ppm" "$work/zh.json" --textbox "搜索帮助文章" --links 10 --heading "常见主题"
run results --lang en --query "withdrawal pending"
python3 "$check" "$work/results.ppm" "$work/results.json" --link-matching withdraw --links 1
run article --lang en --article 2fa-lost@en
python3 "$check" "$work/article.ppm" "$work/article.json" --heading-level 1 --button Yes --button No
run contact --lang en --screen contact
python3 "$check" "$work/contact.ppm" "$work/contact.json" --textbox "Describe what happened, in your own words" --button Continue
run form --lang zh-CN --form withdrawal-not-received
python3 "$check" "$work/form.ppm" "$work/form.json" --textbox "币种" --heading "提币未到账或一直处理中" --combobox "提币记录中的状态"
# A bundle that fails its integrity check is refused with a clear message, never shown.
cp "$bundle" "$work/bad.bundle"
printf 'X' | dd of="$work/bad.bundle" bs=1 seek=200 conv=notrunc status=none
use_bundle="$work/bad.bundle" run bad --lang en --query x || true
python3 "$check" "$work/bad.ppm" "$work/bad.json" --alert "could not be loaded safely" --text "altered" --links 0 --button Close
echo "desktop: all renderings checked"
