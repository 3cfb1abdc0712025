#!/usr/bin/env bash
# Regenerate every committed test/example video.
#
# ffmpeg is needed ONLY to run this script (generation time); it is not a runtime or CI
# dependency: the outputs are committed. Made with ffmpeg 5.1 (Debian 12: libx264, libx265,
# libvpx, native aac, DejaVu fonts). Outputs are small on purpose (low bitrate, short).
#
# Usage: scripts/make_media.sh            # from the repository root
set -euo pipefail

cd "$(dirname "$0")/.."
EX=examples/media
TD=tests/data/media
mkdir -p "$EX" "$TD"

FONT=/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf
FF=(ffmpeg -hide_banner -loglevel error -y)
# Common H.264/AAC settings: yuv420p, +faststart, low bitrate, bit-exact metadata.
H264=(-c:v libx264 -preset veryslow -tune stillimage -crf 40 -pix_fmt yuv420p -threads 1)
AAC=(-c:a aac -b:a 24k -ac 1 -ar 22050)
MP4=(-movflags +faststart -map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact)

label() { # label TEXT -> drawtext filter string
  echo "drawtext=fontfile=$FONT:text='$1':fontcolor=white:fontsize=48:box=1:boxcolor=black@0.6:boxborderw=16:x=(w-text_w)/2:y=h*0.75"
}

# ---------------------------------------------------------------- examples/media (vertical)
"${FF[@]}" -f lavfi -i "testsrc2=size=540x960:rate=30:duration=5" \
  -f lavfi -i "sine=frequency=440:duration=5:sample_rate=22050" \
  -vf "$(label 'Launch teaser')" "${H264[@]}" "${AAC[@]}" "${MP4[@]}" -shortest "$EX/launch-teaser.mp4"

"${FF[@]}" -f lavfi -i "smptebars=size=540x960:rate=30:duration=4" \
  -f lavfi -i "sine=frequency=523:duration=4:sample_rate=22050" \
  -vf "$(label 'Tutorial part 1')" "${H264[@]}" "${AAC[@]}" "${MP4[@]}" -shortest "$EX/tutorial-part1.mp4"

"${FF[@]}" -f lavfi -i "color=c=0x1e5aa8:size=540x960:rate=30:duration=4" \
  -f lavfi -i "sine=frequency=659:duration=4:sample_rate=22050" \
  -vf "$(label 'Tutorial part 2'),drawtext=fontfile=$FONT:text='%{pts\:hms}':fontcolor=yellow:fontsize=40:x=(w-text_w)/2:y=h*0.3" \
  "${H264[@]}" "${AAC[@]}" "${MP4[@]}" -shortest "$EX/tutorial-part2.mp4"

"${FF[@]}" -f lavfi -i "mandelbrot=size=540x960:rate=24" -t 6 \
  -f lavfi -i "sine=frequency=330:duration=6:sample_rate=22050" \
  -vf "$(label 'Behind the scenes')" "${H264[@]}" "${AAC[@]}" "${MP4[@]}" -t 6 "$EX/behind-the-scenes.mp4"

"${FF[@]}" -f lavfi -i "color=c=0x0f766e:size=540x960:rate=24:duration=4.5" \
  -f lavfi -i "sine=frequency=392:duration=4.5:sample_rate=22050" \
  -vf "geq=r='X/W*255':g='(Y/H)*200+30*sin(T*2)':b='128+100*sin(T+X/80)',$(label 'Customer story')" "${H264[@]}" "${AAC[@]}" "${MP4[@]}" -shortest "$EX/customer-story.mp4"

# ---------------------------------------------------------------- tests/data/media (valid)
SRC_V="smptebars=size=540x960:rate=30:duration=3.5"
SRC_A="sine=frequency=440:duration=3.5:sample_rate=22050"

# valid: H.264/AAC MP4, 3.5 s, 540x960, 30 fps
"${FF[@]}" -f lavfi -i "$SRC_V" -f lavfi -i "$SRC_A" \
  "${H264[@]}" "${AAC[@]}" "${MP4[@]}" -shortest "$TD/valid_h264_aac.mp4"

# valid: QuickTime MOV, H.264/AAC
"${FF[@]}" -f lavfi -i "$SRC_V" -f lavfi -i "$SRC_A" \
  "${H264[@]}" "${AAC[@]}" "${MP4[@]}" -shortest -f mov "$TD/valid_h264_aac.mov"

# valid: WebM, VP9/Opus
"${FF[@]}" -f lavfi -i "$SRC_V" -f lavfi -i "$SRC_A" \
  -c:v libvpx-vp9 -b:v 60k -deadline good -cpu-used 4 -row-mt 0 -threads 1 -pix_fmt yuv420p \
  -c:a libopus -b:a 16k -ac 1 -ar 24000 -map_metadata -1 -fflags +bitexact -shortest \
  "$TD/valid_vp9_opus.webm"

# valid: HEVC (H.265) MP4, hvc1 tag so Apple players accept it
"${FF[@]}" -f lavfi -i "$SRC_V" -f lavfi -i "$SRC_A" \
  -c:v libx265 -preset medium -crf 40 -pix_fmt yuv420p -tag:v hvc1 -x265-params log-level=error:pools=1:frame-threads=1 \
  "${AAC[@]}" "${MP4[@]}" -shortest "$TD/valid_hevc_aac.mp4"

# ---------------------------------------------------------------- tests/data/media (invalid)
# codec: MPEG-4 Part 2 in MP4
"${FF[@]}" -f lavfi -i "$SRC_V" -f lavfi -i "$SRC_A" \
  -c:v mpeg4 -b:v 30k -g 300 -pix_fmt yuv420p -threads 1 "${AAC[@]}" "${MP4[@]}" -shortest "$TD/invalid_mpeg4_part2.mp4"

# size: 200x200 (under 360 px)
"${FF[@]}" -f lavfi -i "smptebars=size=200x200:rate=30:duration=3.5" -f lavfi -i "$SRC_A" \
  "${H264[@]}" "${AAC[@]}" "${MP4[@]}" -shortest "$TD/invalid_200x200.mp4"

# frame rate: 15 fps (under 23)
"${FF[@]}" -f lavfi -i "smptebars=size=540x960:rate=15:duration=3.5" -f lavfi -i "$SRC_A" \
  "${H264[@]}" "${AAC[@]}" "${MP4[@]}" -shortest "$TD/invalid_15fps.mp4"

# duration: 2 s (a warning, not an error: TikTok documents no minimum)
"${FF[@]}" -f lavfi -i "smptebars=size=540x960:rate=30:duration=2" \
  -f lavfi -i "sine=frequency=440:duration=2:sample_rate=22050" \
  "${H264[@]}" "${AAC[@]}" "${MP4[@]}" -shortest "$TD/short_2s.mp4"

# truncated: the valid MP4 cut in half
full=$(stat -c %s "$TD/valid_h264_aac.mp4")
head -c $((full / 2)) "$TD/valid_h264_aac.mp4" > "$TD/invalid_truncated.mp4"

# truncated, moov at the end (no +faststart): cut in half, the index is lost
"${FF[@]}" -f lavfi -i "$SRC_V" -f lavfi -i "$SRC_A" \
  "${H264[@]}" "${AAC[@]}" -map_metadata -1 -fflags +bitexact -shortest "$TD/tmp_moov_at_end.mp4"
full=$(stat -c %s "$TD/tmp_moov_at_end.mp4")
head -c $((full / 2)) "$TD/tmp_moov_at_end.mp4" > "$TD/invalid_truncated_no_index.mp4"
rm "$TD/tmp_moov_at_end.mp4"

# no video track: an AAC-only MP4 (a sound export)
"${FF[@]}" -f lavfi -i "$SRC_A" "${AAC[@]}" "${MP4[@]}" "$TD/invalid_audio_only.mp4"

# not a video: a text file named .mp4, and an empty file
printf 'This is a text file, not a video.\n' > "$TD/invalid_text.mp4"
: > "$TD/invalid_empty.mp4"

# phone-style recordings: landscape coded frames (a red square in the coded top-left corner)
# shown rotated by the container's display matrix, as players (and TikTok) show them
"${FF[@]}" -f lavfi -i "color=c=blue:size=960x540:rate=30:duration=1" \
  -vf "drawbox=x=0:y=0:w=160:h=160:color=red:t=fill" \
  -c:v libx264 -preset veryslow -crf 40 -pix_fmt yuv420p -threads 1 "${MP4[@]}" "$TD/tmp_coded.mp4"
for angle in 90 180 270; do
  "${FF[@]}" -i "$TD/tmp_coded.mp4" -c copy -metadata:s:v:0 rotate=$angle "${MP4[@]}" \
    "$TD/rotated_$angle.mp4"
done
rm "$TD/tmp_coded.mp4"

ls -l "$EX" "$TD"
