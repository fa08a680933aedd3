#!/usr/bin/env bash
# The shipped default model, end to end: Scripts/train_default_model.sh [RUN_FOLDER]
#
#   1. datasets: pretrain-v1 (unlabelled) and midi-genre-v1/train (six genres, validation split
#      by group), with their manifests for licences and groups;
#   2. pre-train transformer small on pretrain-v1 (2,000 steps of 16 × 512 tokens);
#   3. fine-tune on midi-genre-v1 from the pre-trained weights (1,500 steps of 16 × 512 tokens,
#      peak learning rate 5e-4, genre dropout 0.1 for classifier-free guidance);
#   4. train the style classifier and evaluate the int8 model on the held-out genre split
#      (report in RUN/eval/report.md; paste its table into docs/MODEL_CARD.md);
#   5. quantize to int8 with the model card (docs/MODEL_CARD.md) into
#      Sources/CadenzaModelData/default.safetensors, which the next build links into `cadenza`.
#
# About 50 minutes of training on two cores of a Zen 5 (AVX-512; 9,000–9,600 tokens/s), about
# three times that on a Zen 3 (AVX2). Every stage resumes: an interrupted run picks up from the
# last checkpoint when the script is run again (checkpoints stay in RUN, outside git).
set -euo pipefail
cd "$(dirname "$0")/.."
run="${1:-runs/default}"
data="${SHARED_DATA:-../shared/data}"
swift build -c release --product cadenza
c=.build/release/cadenza
mkdir -p "$run"

[ -f "$run/pretrain-data/manifest.json" ] || $c dataset build --input "$data/pretrain-v1" \
  --manifest "$data/pretrain-v1/manifest.csv" --unlabelled -o "$run/pretrain-data"
[ -f "$run/genre-data/manifest.json" ] || $c dataset build --input "$data/midi-genre-v1/train" \
  --manifest "$data/midi-genre-v1/manifest.csv" -o "$run/genre-data"

# A stage is done when its latest checkpoint is at its last step.
done_at() { [ -f "$1/latest" ] && [ "$(cat "$1/latest")" = "$(printf 'step-%06d' "$2")" ]; }

if ! done_at "$run/pretrain" 2000; then
  if [ -f "$run/pretrain/latest" ]; then $c train -o "$run/pretrain" --resume
  else $c train --data "$run/pretrain-data" --arch transformer --preset small -o "$run/pretrain" \
    --steps 2000 --batch-size 16 --seq-len 512 --val-every 100 --save-every 100; fi
fi
if ! done_at "$run/finetune" 1500; then
  if [ -f "$run/finetune/latest" ]; then $c train -o "$run/finetune" --resume
  else $c train --data "$run/genre-data" --init-from "$run/pretrain" -o "$run/finetune" \
    --steps 1500 --batch-size 16 --seq-len 512 --lr 5e-4 --warmup 25 --genre-dropout 0.1 --val-every 100 --save-every 100; fi
fi
[ -f "$run/classifier/all-tokens.safetensors" ] || $c train-classifier --data "$run/genre-data" -o "$run/classifier"
$c quantize --model "$run/finetune" -o "$run/int8.safetensors"
$c evaluate --model "$run/int8.safetensors" --data "$run/genre-data" --classifier "$run/classifier" -o "$run/eval" --samples 30 --bars 16
$c quantize --model "$run/finetune" --card docs/MODEL_CARD.md --data "$run/genre-data" \
  -o Sources/CadenzaModelData/default.safetensors
touch Sources/CadenzaModelData/model_data.c  # #embed inputs are not tracked as dependencies
echo "default model written; rebuild to embed it: swift build -c release"
