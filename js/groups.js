// groups.js - the Trainer options freeze, paramGroups and frozenBatchNorm (PyTorch's
// requires_grad=False and optimizer param_groups), checked and resolved against the model's
// state_dict names (model.tensors()) into the ranges of its parameter block that
// wt_wasm_trainer_set_groups takes. Not here: what the engine does with them (src/optim/optim.c,
// src/train/trainer.c, src/models/model.c).

import { WasmTricksError, argCheck, describe } from './errors.js';
import { checkOption } from './options.js';

/** Whether a state_dict name lies under a prefix at a dot boundary ('layer1' holds
    'layer1.0.conv1.weight', not 'layer10.weight'). */
export const underPrefix = (name, prefix) => name === prefix || name.startsWith(`${prefix}.`);

/** The shorthand of a group, as the CLI's --param-group gives it: 'fc:lr=0.01,weightDecay=0'. */
function parseGroupText(text, where) {
  const colon = text.indexOf(':');
  const g = { match: colon < 0 ? text : text.slice(0, colon) };
  if (colon < 0) return g;
  for (const part of text.slice(colon + 1).split(',')) {
    const [k, v, extra] = part.split('=');
    argCheck(['lr', 'weightDecay'].includes(k) && v !== undefined && extra === undefined && v.trim() !== '',
      `${where} must look like 'PREFIX:lr=X,weightDecay=Y', got '${text}'`);
    g[k] = Number(v);
  }
  return g;
}

/**
 * Checks the three options and resolves them for a model. Returns null when none is set (the
 * engine is then not told anything: no behaviour change), else { freeze, paramGroups,
 * frozenBatchNorm, slots } with slots a Float64Array of 5 per range (offset, count, lr,
 * weightDecay, frozen), for the optimizer's lr and weight decay `base`.
 */
export function resolveGroups(options, model, base) {
  const { freeze, paramGroups } = options;
  const frozenBatchNorm = checkOption('frozenBatchNorm', options.frozenBatchNorm, 'Trainer');
  if ((freeze === undefined || freeze === null) && (paramGroups === undefined || paramGroups === null)) {
    return null;
  }
  const params = model.tensors().filter((t) => t.block === 'params');
  const top = [...new Set(params.map((t) => t.name.split('.')[0]))].join(', ');
  // '@head': the classifier (model.headName, the layer withHead replaces); '@backbone': the rest.
  const head = (what) => {
    try {
      return model.headName;
    } catch (e) {
      throw new WasmTricksError('WT_ERR_UNSUPPORTED', `Trainer: ${what}: ${e.message}`);
    }
  };
  const matching = (prefix, what) => {
    argCheck(typeof prefix === 'string' && prefix !== '', `Trainer: ${what} must be a non-empty string (a state_dict name prefix, '@head' or '@backbone'), got ${describe(prefix)}`);
    const hit = prefix === '@head' || prefix === '@backbone'
      ? params.filter((t) => underPrefix(t.name, head(what)) === (prefix === '@head'))
      : params.filter((t) => underPrefix(t.name, prefix));
    argCheck(hit.length > 0, `Trainer: ${what} '${prefix}' matches no parameter of the model (its top-level names: ${top})`);
    return hit;
  };
  const frozen = new Set();
  const freezeList = freeze ?? [];
  argCheck(Array.isArray(freezeList), `Trainer: freeze must be an array of state_dict name prefixes, e.g. ['conv1', 'layer1'], got ${describe(freeze)}`);
  for (const p of freezeList) for (const t of matching(p, 'freeze')) frozen.add(t.name);
  argCheck(frozen.size < params.length, `Trainer: freeze [${freezeList.join(', ')}] covers every parameter: nothing left to train`);

  const groupList = paramGroups ?? [];
  argCheck(Array.isArray(groupList), `Trainer: paramGroups must be an array like [{ match: 'fc', lr: 0.01 }], got ${describe(paramGroups)}`);
  const names = []; // per group: the tensors it matches ('@head' resolved)
  const groups = groupList.map((g0, i) => {
    const where = `Trainer: paramGroups[${i}]`;
    const g = typeof g0 === 'string' ? parseGroupText(g0, where) : g0;
    argCheck(g && typeof g === 'object', `${where} must be { match, lr?, weightDecay? }, got ${describe(g0)}`);
    for (const k of Object.keys(g)) argCheck(['match', 'lr', 'weightDecay'].includes(k), `${where}: unknown key '${k}' (known: match, lr, weightDecay)`);
    for (const k of ['lr', 'weightDecay']) {
      argCheck(g[k] === undefined || (typeof g[k] === 'number' && Number.isFinite(g[k]) && g[k] >= 0),
        `${where}.${k} must be a finite number >= 0, got ${describe(g[k])}`);
    }
    names.push(new Set(matching(g.match, `paramGroups[${i}].match`).map((t) => t.name)));
    return Object.freeze({ match: g.match, ...(g.lr !== undefined ? { lr: g.lr } : {}),
      ...(g.weightDecay !== undefined ? { weightDecay: g.weightDecay } : {}) });
  });

  // Each tensor: frozen, the first group it matches, or none (the optimizer's lr and decay);
  // runs of neighbours alike become one range.
  const slots = [];
  let last = null;
  for (const t of params) {
    const gi = names.findIndex((n) => n.has(t.name));
    const key = frozen.has(t.name) ? 'frozen' : gi;
    if (key === -1) { last = null; continue; }
    if (last && last.key === key && last.end === t.offset) {
      slots[slots.length - 4] += t.size;
      last.end += t.size;
      continue;
    }
    const g = groups[gi];
    slots.push(t.offset, t.size, key === 'frozen' ? 0 : g.lr ?? base.lr,
      key === 'frozen' ? 0 : g.weightDecay ?? base.weightDecay, key === 'frozen' ? 1 : 0);
    last = { key, end: t.offset + t.size };
  }
  return {
    freeze: Object.freeze([...freezeList]),
    paramGroups: Object.freeze(groups),
    frozenBatchNorm,
    slots: Float64Array.from(slots),
  };
}
