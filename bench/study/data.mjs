// data.mjs - the study's data sets: Fashion-MNIST (Debian's IDX files) and CIFAR-10 from the
// JPEG ImageFolder tarball beside the repository, extracted once into .cache/ (outside git; the
// package never needs it). Decoding all 60,000 JPEGs in the engine takes about 10 s, so the
// decoded images are not cached. Not here: subsets (Dataset.sample), training.

import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE = join(ROOT, '.cache');
export const CIFAR_TAR = process.env.WT_CIFAR10_TAR ?? resolve(ROOT, '../shared/data/cifar10-jpeg.tar.gz');

/** The CIFAR-10 ImageFolder (train/ and test/), extracted into .cache/ on first use (into a
    temp folder renamed at the end, so an interrupted extraction is redone). */
export function cifarFolder() {
  const dir = join(CACHE, 'cifar10-jpeg');
  if (existsSync(join(dir, 'train')) && existsSync(join(dir, 'test'))) return dir;
  if (!existsSync(CIFAR_TAR)) {
    throw new Error(`CIFAR-10: ${CIFAR_TAR} is missing (the JPEG ImageFolder tarball; WT_CIFAR10_TAR names another path)`);
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    execFileSync('tar', ['xzf', CIFAR_TAR, '-C', tmp], { stdio: ['ignore', 'ignore', 'inherit'] });
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`CIFAR-10: cannot extract ${CIFAR_TAR} into ${dir}: ${e.message}`);
  }
  return dir;
}

/** { train, test } data sets of a study data set name. */
export async function loadData(wt, name) {
  if (name === 'fashion-mnist') {
    return { train: await wt.data.fashionMNIST({ split: 'train' }), test: await wt.data.fashionMNIST({ split: 'test' }) };
  }
  const dir = cifarFolder();
  const shape = [3, 32, 32];
  return { train: await wt.data.imageFolder(join(dir, 'train'), { shape }), test: await wt.data.imageFolder(join(dir, 'test'), { shape }) };
}
