/* The simulated module's D&D 5e requests: checks, saves, rests, currency, items and spells on
 * the world's dnd5e actors, with the module's reply shapes. */
(function () {
  "use strict";
  const S = window.__world, W = S.W, H = S.handlers;
  const SKILL_NAMES = { athletics: "ath", acrobatics: "acr", stealth: "ste", arcana: "arc",
                        insight: "ins", perception: "prc", persuasion: "per" };

  function d20(msg, modifier) {
    const dice = msg.advantage && !msg.disadvantage ? "2d20kh" : msg.disadvantage && !msg.advantage ? "2d20kl" : "1d20";
    const bonus = Number(msg.bonus || 0) || 0;
    const total = modifier + bonus;
    const formula = total ? `${dice}${total >= 0 ? "+" : "-"}${Math.abs(total)}` : dice;
    return window.__evaluateRoll(formula);
  }
  function writable(msg, user, keys) {
    const actor = S.actorOf(msg, user, keys);
    S.assertOwner(actor, user, "change");
    return actor;
  }
  function rolled(kind, actor, roll, extra) {
    W.rolls.unshift({ id: S.randomId(), ...roll, flavor: kind, timestamp: Date.now(), speaker: { alias: actor.name } });
    return { success: true, data: { uuid: actor.uuid, actorName: actor.name, roll, total: roll.total, ...extra } };
  }
  function ability(msg) {
    const key = String(msg.ability || "").slice(0, 3).toLowerCase();
    if (!["str", "dex", "con", "int", "wis", "cha"].includes(key)) throw new Error(`Invalid ability: ${msg.ability}`);
    return key;
  }

  H["get-actor-details"] = (msg, user) => {
    const actor = S.actorOf(msg, user);
    if (S.level(actor, user) < S.OBSERVER) throw new Error(`User '${user.name}' may not view '${actor.name}'`);
    const sys = actor.system || {};
    const parts = {
      abilities: () => sys.abilities, skills: () => sys.skills, attributes: () => sys.attributes,
      currency: () => sys.currency, resources: () => ({ hp: sys.attributes.hp, hd: sys.attributes.hd }),
      items: () => actor.items.map((i) => ({ uuid: i.uuid, name: i.name, type: i.type })),
      inventory: () => actor.items.filter((i) => ["weapon", "equipment", "consumable", "loot"].includes(i.type)).map(S.clone),
      spells: () => actor.items.filter((i) => i.type === "spell").map(S.clone),
      features: () => actor.items.filter((i) => i.type === "feat").map(S.clone),
      effects: () => actor.effects.map(S.clone),
    };
    const data = { uuid: actor.uuid, name: actor.name, type: actor.type };
    for (const name of msg.details || []) {
      if (!parts[name]) throw new Error(`Unknown detail: ${name} (one of ${Object.keys(parts).join(", ")})`);
      data[name] = S.clone(parts[name]());
    }
    return { data };
  };
  H["ability-check"] = (msg, user) => {
    const actor = writable(msg, user), key = ability(msg);
    return rolled(`${key} check`, actor, d20(msg, actor.system.abilities[key].mod), { ability: key });
  };
  H["ability-save"] = (msg, user) => {
    const actor = writable(msg, user), key = ability(msg);
    return rolled(`${key} save`, actor, d20(msg, actor.system.abilities[key].mod), { ability: key });
  };
  H["skill-check"] = (msg, user) => {
    const actor = writable(msg, user);
    const key = SKILL_NAMES[String(msg.skill).toLowerCase()] || String(msg.skill).toLowerCase();
    const skill = actor.system.skills[key];
    if (!skill) throw new Error(`Invalid skill: ${msg.skill}`);
    return rolled(`${key} check`, actor, d20(msg, skill.total), { skill: key });
  };
  H["concentration-save"] = (msg, user) => {
    const actor = writable(msg, user);
    const dc = Math.max(10, Math.floor((msg.damage || 0) / 2));
    const roll = d20(msg, actor.system.abilities.con.mod);
    const out = rolled("concentration", actor, roll, { dc, passed: roll.total >= dc });
    if (roll.total < dc) actor.system.attributes.concentration.effect = null;
    return out;
  };
  H["death-save"] = (msg, user) => {
    const actor = writable(msg, user);
    const roll = d20(msg, 0);
    const death = actor.system.attributes.death;
    if (roll.total >= 10) death.success += 1; else death.failure += 1;
    return rolled("death save", actor, roll, { success: death.success, failure: death.failure });
  };
  H["get-concentration"] = (msg, user) => {
    const actor = S.actorOf(msg, user);
    const effect = actor.system.attributes.concentration.effect;
    return { success: true, data: { uuid: actor.uuid, concentrating: !!effect, effect } };
  };
  H["break-concentration"] = (msg, user) => {
    const actor = writable(msg, user);
    const was = actor.system.attributes.concentration.effect;
    actor.system.attributes.concentration.effect = null;
    return { success: true, data: { uuid: actor.uuid, broken: !!was } };
  };
  function itemFlag(field, value) {
    return (msg, user) => {
      const actor = writable(msg, user), item = S.itemOf(actor, msg);
      item.system[field] = !!msg[value];
      return { success: true, data: { actorUuid: actor.uuid, itemUuid: item.uuid, itemName: item.name, [field]: item.system[field] } };
    };
  }
  H["equip-item"] = itemFlag("equipped", "equipped");
  H["attune-item"] = itemFlag("attuned", "attuned");
  H["prepare-spell"] = (msg, user) => {
    const actor = writable(msg, user);
    const spell = actor.items.find((i) => i.type === "spell" && i.name.toLowerCase() === String(msg.spellName).toLowerCase());
    if (!spell) throw new Error(`Spell not found on ${actor.name}: ${msg.spellName}`);
    spell.system.preparation = { ...(spell.system.preparation || {}), prepared: !!msg.prepared };
    return { success: true, data: { actorUuid: actor.uuid, spellUuid: spell.uuid, prepared: !!msg.prepared } };
  };
  H["modify-item-charges"] = (msg, user) => {
    const actor = writable(msg, user), item = S.itemOf(actor, msg);
    const uses = item.system.uses || (item.system.uses = { value: 0, max: 0 });
    const old = uses.value;
    uses.value = Math.max(0, Math.min(uses.max || Infinity, old + msg.amount));
    return { success: true, data: { itemUuid: item.uuid, oldValue: old, newValue: uses.value } };
  };
  H["modify-currency"] = (msg, user) => {
    const actor = writable(msg, user);
    const cur = actor.system.currency;
    if (!(msg.currency in cur)) throw new Error(`Invalid currency: ${msg.currency}`);
    if (cur[msg.currency] + msg.amount < 0) throw new Error(`${actor.name} does not have enough ${msg.currency}`);
    cur[msg.currency] += msg.amount;
    return { success: true, data: { uuid: actor.uuid, currency: S.clone(cur) } };
  };
  H["transfer-currency"] = (msg, user) => {
    const from = writable(msg, user, { uuidKey: "sourceActorUuid", nameKey: "sourceActorName" });
    const to = S.actorOf(msg, user, { uuidKey: "targetActorUuid", nameKey: "targetActorName" });
    const amounts = typeof msg.currency === "object" && msg.currency ? msg.currency : {};
    for (const [coin, n] of Object.entries(amounts)) {
      if (!(coin in from.system.currency) || typeof n !== "number" || n < 0) throw new Error(`Invalid amount of ${coin}`);
      if (from.system.currency[coin] < n) throw new Error(`${from.name} does not have ${n} ${coin}`);
    }
    for (const [coin, n] of Object.entries(amounts)) { from.system.currency[coin] -= n; to.system.currency[coin] += n; }
    return { success: true, data: { source: { uuid: from.uuid, currency: S.clone(from.system.currency) },
                                    target: { uuid: to.uuid, currency: S.clone(to.system.currency) } } };
  };
  H["modify-experience"] = (msg, user) => {
    const actor = writable(msg, user);
    const xp = actor.system.details.xp;
    const old = xp.value;
    xp.value = Math.max(0, old + msg.amount);
    return { success: true, data: { uuid: actor.uuid, oldValue: old, newValue: xp.value } };
  };
  H["short-rest"] = (msg, user) => {
    const actor = writable(msg, user);
    const attrs = actor.system.attributes;
    let healed = 0;
    while (msg.autoHD && attrs.hd.value > 0 && attrs.hp.value < attrs.hp.max
           && (msg.autoHDThreshold === undefined || attrs.hp.value < attrs.hp.max * msg.autoHDThreshold)) {
      const roll = window.__evaluateRoll("1d10");
      const gain = Math.min(attrs.hp.max - attrs.hp.value, roll.total);
      attrs.hp.value += gain; healed += gain; attrs.hd.value -= 1;
    }
    return { success: true, data: { uuid: actor.uuid, hpRecovered: healed, hitDiceLeft: attrs.hd.value } };
  };
  H["long-rest"] = (msg, user) => {
    const actor = writable(msg, user);
    const attrs = actor.system.attributes;
    const healed = attrs.hp.max - attrs.hp.value;
    attrs.hp.value = attrs.hp.max;
    attrs.hd.value = Math.min(attrs.hd.max, attrs.hd.value + Math.max(1, Math.floor(attrs.hd.max / 2)));
    attrs.death = { success: 0, failure: 0 };
    for (const item of actor.items) if (item.system.uses) item.system.uses.value = item.system.uses.max;
    return { success: true, data: { uuid: actor.uuid, hpRecovered: healed, newDay: !!msg.newDay } };
  };
  function use(types) {
    return (msg, user) => {
      const actor = writable(msg, user);
      const item = S.itemOf(actor, msg, { uuidKey: "abilityUuid", nameKey: "abilityName" });
      if (types && !types.includes(item.type)) throw new Error(`${item.name} is not a ${types.join(" or ")}`);
      const uses = item.system.uses;
      if (uses && uses.max) {
        if (uses.value <= 0) throw new Error(`${item.name} has no uses left`);
        uses.value -= 1;
      }
      let target = null;
      if (msg.targetUuid || msg.targetName) {
        const t = S.actorOf({ actorUuid: msg.targetUuid, actorName: msg.targetName }, null);
        target = { uuid: t.uuid, name: t.name };
      }
      const parts = item.system.damage && item.system.damage.parts;
      const damage = parts && parts.length ? window.__evaluateRoll(parts[0][0]) : null;
      return { success: true, data: { actorUuid: actor.uuid, itemUuid: item.uuid, itemName: item.name,
                                       itemType: item.type, target, damage, usesLeft: uses ? uses.value : null } };
    };
  }
  H["use-ability"] = use(null);
  H["use-item"] = use(["weapon", "equipment", "consumable", "tool", "loot"]);
  H["use-feature"] = use(["feat"]);
  H["use-spell"] = use(["spell"]);
})();
