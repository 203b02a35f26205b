// pretrained.js - the backbones the package ships (assets/), trained by the project with the
// exact command below, as starting points for fine-tuning (model.withHead, freeze '@backbone'):
// each is a safetensors file with its spec, input normalisation and class names in __metadata__.
// wt.models.pretrained(name) loads one (Node: from disk; browsers and Workers: fetched, so a
// bundler ships the literal URL as an asset). Not here: loading weights (model.js), training.

import { argCheck } from './errors.js';
import { readURL } from './runtime.js';

/** name -> what it is, how it was made and how good it is (on the test split it names). */
export const PRETRAINED = Object.freeze({
  'resnet8-cifar10': Object.freeze({
    url: new URL('../assets/resnet8-cifar10.safetensors', import.meta.url),
    label: 'ResNet-8 trained on CIFAR-10',
    inputShape: Object.freeze([3, 32, 32]),
    model: 'ResNet-8 (78 k parameters), 3x32x32 colour images',
    data: 'CIFAR-10, all 50,000 training images, 10 classes',
    accuracy: 'top-1 80.41%, top-5 99.06% on the 10,000 test images',
    command: 'wasmtricks train --data <CIFAR-10 ImageFolder or binary batches> --model resnet8 --lr 0.05 --random-crop 4 ' +
      '--hflip --epochs 20 --seed 1 --save assets/resnet8-cifar10.safetensors',
  }),
});

/** The bytes of a shipped backbone. */
export async function pretrainedBytes(name) {
  argCheck(Object.hasOwn(PRETRAINED, name), `pretrained: unknown backbone '${name}' (shipped: ${Object.keys(PRETRAINED).join(', ')})`);
  return readURL(PRETRAINED[name].url, `pretrained('${name}')`);
}
