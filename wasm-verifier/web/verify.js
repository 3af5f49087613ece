// The verify page: fetch a certificate's proof bundle from a node, verify it in WASM against
// the trust anchor built into this page, and show the verdict in #verdict and each step in
// #steps. With `#p=<bundle>` in the URL (a stapled proof) it still works offline. With
// `?b=<credit code>` (the QR code on a shop's wall) it verifies a business and shows the grade
// it computed from the proven records in #grade and #score, and its instruments. With `?i=<id>`
// (一器一码: the code on a fuel nozzle, a scale) it verifies an instrument's complete history
// and shows the status it computed in #instrument-status.
import { wireScanning } from './scan.js';

// The verifier's wasm, in modules so a reader downloads only what its check needs:
// `hengxin_verifier` for a certificate or a file, `hengxin_field` for a business or an
// instrument; with `_sm` for a chain of SM2 and SM3 (国密), as the page's trust anchor is
// (`hengxin-crypto`). A module of the other scheme verifies nothing and says so.
let wasm;

async function loadVerifier(field) {
  const crypto = document.querySelector('meta[name="hengxin-crypto"]').content;
  const name = (field ? 'hengxin_field' : 'hengxin_verifier') + (crypto === 'sm2-sm3' ? '_sm' : '');
  const module = await import(`./${name}.js`);
  await module.default({ module_or_path: new URL(`./${name}_bg.wasm`, import.meta.url) });
  return module;
}

// Every verdict, state and link arrives named from the verifier (`label`, `state_name`…),
// which takes the names from where the codes are defined. Only a failure before the verifier
// runs is worded here.
const CANNOT_VERIFY = ['无法核验', 'Cannot verify'];
const FIELDS = [
  ['lab', '签发机构代码', 'Lab'], ['issuer', '签发机构', 'Issuer'], ['number', '证书编号', 'Number'],
  ['kind_name', '类别', 'Kind'], ['category_name', '专业', 'Category'],
  ['conclusion_name', '结论', 'Conclusion'], ['item', '项目', 'Item'],
  ['instrument', '器具', 'Instrument'], ['model', '型号规格', 'Model'], ['serial', '出厂编号', 'Serial'],
  ['manufacturer', '制造单位', 'Manufacturer'], ['procedure', '依据规程', 'Procedure'],
  ['calibration_date', '检定/校准日期', 'Calibrated'], ['issue_date', '签发日期', 'Issued'],
  ['valid_until', '有效期至', 'Valid until'], ['document_hash', '文件哈希', 'Document hash'],
];

const $ = (id) => document.getElementById(id);

// A time in China Standard Time, the way an inspector reads it: `2026-12-01 14:56 (北京时间)`.
function beijingTime(ms) {
  const t = new Date(ms + 8 * 3600000);
  const two = (n) => String(n).padStart(2, '0');
  return `${t.getUTCFullYear()}-${two(t.getUTCMonth() + 1)}-${two(t.getUTCDate())} `
    + `${two(t.getUTCHours())}:${two(t.getUTCMinutes())} (北京时间)`;
}

// How long ago: `3 分钟前 · 3 minutes ago`.
function age(ms) {
  const minutes = Math.max(0, Math.floor((Date.now() - ms) / 60000));
  const [n, zh, en] = minutes < 60 ? [minutes, '分钟', 'minute']
    : minutes < 1440 ? [Math.floor(minutes / 60), '小时', 'hour']
      : [Math.floor(minutes / 1440), '天', 'day'];
  return `${n} ${zh}前 · ${n} ${en}${n === 1 ? '' : 's'} ago`;
}

function base64urlBytes(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function showVerdict(report) {
  const verdict = $('verdict');
  const [zh, en] = report.label || CANNOT_VERIFY;
  verdict.dataset.status = report.status;
  verdict.innerHTML = '';
  verdict.append(zh + ' ');
  const span = document.createElement('span');
  span.className = 'en';
  span.textContent = en;
  verdict.append(span);
  const steps = $('steps');
  steps.innerHTML = '';
  for (const step of report.steps) {
    const li = document.createElement('li');
    li.dataset.id = step.id;
    li.dataset.ok = step.ok === null ? 'info' : String(step.ok);
    if (step.name) {
      const name = document.createElement('b');
      name.textContent = step.name;
      li.append(name, ' ');
    }
    li.append(step.detail);
    steps.append(li);
  }
}

function addRows(rows) {
  const details = $('details');
  for (const [label, value] of rows) {
    if (!value) continue;
    const dt = document.createElement('dt');
    dt.textContent = label;
    const dd = document.createElement('dd');
    dd.textContent = value;
    details.append(dt, dd);
  }
}

// Why a certificate is not current (#why, with a#successor linking the successor's own
// verification), and who signed its document (#signer), as the verifier proved them.
function showWhy(report) {
  const why = $('why');
  why.innerHTML = '';
  why.hidden = !report.why;
  if (report.why) {
    why.append(report.why.text);
    if (report.why.successor && report.certificate) {
      const link = document.createElement('a');
      link.id = 'successor';
      const params = new URLSearchParams(location.search);
      params.set('c', `${report.certificate.lab}/${report.why.successor}`);
      params.delete('h');
      link.href = `?${params}`;
      link.textContent = `核验新证书 ${report.why.successor} · verify the new certificate`;
      why.append(' ', link);
    }
  }
  const line = $('signer-line');
  line.hidden = !report.certificate;
  $('signer').textContent = report.signer || '未签名（非签名 DCC 或 PDF）· unsigned';
}

function show(report, note) {
  showVerdict(report);
  showWhy(report);
  $('note').textContent = note || '';
  const details = $('details');
  details.innerHTML = '';
  const cert = report.certificate;
  if (cert) {
    const rows = [...FIELDS.map(([k, zhL, enL]) => [`${zhL} ${enL}`, cert[k]]),
      ['互认地区 Recognised in', cert.recognized_in.join(', ')],
      ...(report.trace || []).map((line, i) => [`溯源第 ${i + 1} 环 Link ${i + 1}`, line])];
    if (report.height !== null) {
      rows.push(['证明区块 Proven at', `#${report.height} · ${beijingTime(report.proven_at_ms)} · ${age(report.proven_at_ms)}`]);
    }
    addRows(rows);
  }
}

function showBusiness(report) {
  document.body.classList.add('business');
  showVerdict(report);
  $('details').innerHTML = '';
  const b = report.business;
  if (!b) return;
  $('subject-name').textContent = b.name;
  $('subject-meta').textContent = `${b.region} · ${b.business_type_name} · ${b.credit_code}`;
  $('subject').hidden = false;
  const grade = $('grade');
  grade.dataset.grade = b.grade;
  grade.textContent = b.grade;
  grade.hidden = false;
  const score = $('score');
  score.textContent = String(b.score);
  score.hidden = false;
  const c = b.commitment;
  addRows([
    ['名称 Name', b.name], ['统一社会信用代码 Credit code', b.credit_code],
    ['地区 Region', b.region], ['类型 Type', b.business_type_name],
    ['诚信等级 Grade', `${b.grade} · 得分 score ${b.score} · ${b.on}`],
    ['自我承诺 Commitment', c ? `${c.date} ${c.current ? '有效 current' : '已过期 lapsed'}` : '无 none'],
  ]);
  const counting = b.records.filter((r) => r.state === 'counting');
  const others = b.records.filter((r) => r.state !== 'counting');
  const line = (r) => {
    const until = r.counts_until ? ` 至 until ${r.counts_until}` : '';
    return `${r.code} ${r.name_zh} · ${r.date} · ${r.points > 0 ? '+' : ''}${r.points}${until} · ${r.state_name}`;
  };
  addRows(counting.map((r) => ['记录 Record', line(r)]));
  if (others.length) {
    const folded = document.createElement('details');
    const summary = document.createElement('summary');
    summary.textContent = `已过期或已修复的记录 ${others.length} · expired or repaired records`;
    folded.append(summary);
    for (const r of others) {
      const p = document.createElement('p');
      p.textContent = line(r);
      folded.append(p);
    }
    $('details').after(folded);
  }
}

// The instruments a business's proof lists, each linking its own verification.
function showOwnedInstruments(owned) {
  const section = $('instruments');
  section.innerHTML = '';
  if (!owned) return;
  const counts = new Map();
  for (const i of owned.items) {
    const zh = i.status_label.split(' ')[0];
    counts.set(zh, (counts.get(zh) || 0) + 1);
  }
  const summary = [...counts].map(([zh, n]) => `${n} ${zh}`).join('，');
  const head = document.createElement('h2');
  head.textContent = `${owned.items.length} 台器具${summary ? `：${summary}` : ''} · ${owned.items.length} instruments`;
  section.append(head);
  const list = document.createElement('ul');
  for (const i of owned.items) {
    const li = document.createElement('li');
    li.dataset.status = i.status;
    const link = document.createElement('a');
    link.href = `?i=${encodeURIComponent(i.id)}`;
    link.textContent = i.id;
    const until = i.valid_until ? ` · 有效期至 ${i.valid_until}` : '';
    li.append(link, ` ${i.class_name} · ${i.site} · ${i.status_label}${until}`);
    list.append(li);
  }
  section.append(list);
  if (owned.truncated) {
    const more = document.createElement('p');
    more.textContent = `另有器具未在此列出（共 ${owned.listed} 台）· more instruments are not listed here (${owned.listed} in all)`;
    section.append(more);
  }
  section.hidden = false;
}

// An instrument: its status large (Chinese first), the law's line when a compulsory one may
// not be used, its owner and proven grade, its place, the certificate that decides it (linking
// its own verification), its seals, the next due date, and its history folded.
function showInstrument(report) {
  document.body.classList.add('instrument');
  showVerdict(report);
  $('details').innerHTML = '';
  const status = $('instrument-status');
  const legal = $('legal');
  const i = report.instrument;
  status.hidden = !(i || report.status === 'unknown');
  legal.hidden = !(i && i.legal);
  if (!i) {
    if (report.status === 'unknown') {
      status.dataset.status = 'unregistered';
      status.innerHTML = '未登记 <span class="en">Not registered</span>';
    }
    return;
  }
  const [zh, ...en] = i.status_label.split(' ');
  status.dataset.status = i.status;
  status.textContent = `${zh} `;
  const span = document.createElement('span');
  span.className = 'en';
  span.textContent = en.join(' ');
  status.append(span);
  legal.textContent = i.legal;
  $('subject-name').textContent = `${i.class_name} ${i.id}`;
  const meta = $('subject-meta');
  meta.textContent = `所有者 owner: ${i.owner_name || i.owner} · 诚信等级 grade `;
  const grade = document.createElement('span');
  grade.id = 'owner-grade';
  grade.dataset.grade = i.owner_grade;
  grade.textContent = i.owner_grade || '—';
  meta.append(grade);
  $('subject').hidden = false;
  const latest = i.latest;
  addRows([
    ['器具码 Instrument id', i.id],
    ['类别 Class', `${i.class_name} (${i.class})${i.compulsory ? ' · 强制检定 compulsory' : ''}`],
    ['所有者 Owner', `${i.owner_name} · ${i.owner}`],
    ['位置 Place', `${i.division} · ${i.site}`],
    ['制造单位 Manufacturer', i.manufacturer], ['型号 Model', i.model],
    ['出厂编号 Serial', i.serial], ['生产码 Production code', i.production_code],
    ['有效期至 Next due', i.valid_until],
    ['封签 Seals', i.seals.map((s) => `${s.position} ${s.number}`).join(', ')],
    ['最近维修 Last repair', i.last_repair],
  ]);
  if (latest) {
    const dt = document.createElement('dt');
    dt.textContent = '最近检定 Latest verification';
    const dd = document.createElement('dd');
    const link = document.createElement('a');
    link.id = 'latest';
    link.href = `?c=${encodeURIComponent(latest.lab_code)}/${encodeURIComponent(latest.number)}`;
    link.textContent = `${latest.lab_code}/${latest.number}`;
    const until = latest.valid_until ? ` · 有效期至 ${latest.valid_until}` : '';
    dd.append(link, ` · ${latest.date}${until}`);
    $('details').append(dt, dd);
  }
  if (report.height !== null) {
    addRows([['证明区块 Proven at', `#${report.height} · ${beijingTime(report.proven_at_ms)} · ${age(report.proven_at_ms)}`]]);
  }
  const folded = document.createElement('details');
  folded.id = 'history';
  const summary = document.createElement('summary');
  summary.textContent = `履历 ${i.history.length} 条 · history (${i.history.length} entries)`;
  const list = document.createElement('ol');
  for (const e of i.history) {
    const li = document.createElement('li');
    li.dataset.change = e.change;
    li.textContent = `${e.date} · ${e.text}`;
    list.append(li);
  }
  folded.append(summary, list);
  $('details').after(folded);
}

async function verifyInstrument(id, nodes, anchor) {
  let proof;
  try {
    proof = await fetchProof(nodes, `/v1/instruments/${encodeURIComponent(id)}/proof`);
  } catch (e) {
    showInstrument({ status: 'error', steps: [{ id: 'read', ok: false, detail: `无法从节点获取证明 · could not get a proof: ${e.message}` }], instrument: null, height: null });
    return;
  }
  showInstrument(JSON.parse(wasm.verify_instrument_json(anchor, proof.bundle, id, Date.now())));
  $('note').textContent = answeredBy(proof.node);
}

async function verifyBusiness(code, nodes, anchor) {
  let proof;
  try {
    proof = await fetchProof(nodes, `/v1/businesses/${encodeURIComponent(code)}/proof`);
  } catch (e) {
    showBusiness({ status: 'error', steps: [{ id: 'read', ok: false, detail: `无法从节点获取证明 · could not get a proof: ${e.message}` }], business: null });
    return;
  }
  const report = JSON.parse(wasm.verify_business_json(anchor, proof.bundle, code, Date.now()));
  showBusiness(report);
  showOwnedInstruments(report.instruments);
  $('note').textContent = answeredBy(proof.node);
}

// No certificate named: the reader picks a file and learns, proven, which certificate it is,
// or that no certificate on the ledger is this file.
function awaitDocument(nodes, anchor) {
  $('title').innerHTML = '衡信 · 文件核验 <small>Which certificate is this file?</small>';
  document.title = '衡信 · 文件核验 Which certificate is this file?';
  $('compare-label').innerHTML = '选择证书文件（PDF 或 DCC）<span class="en">Choose the certificate file (PDF or DCC)</span>';
  const verdict = $('verdict');
  verdict.dataset.status = 'pending';
  verdict.innerHTML = '请选择文件 <span class="en">Choose a file to check</span>';
  $('document').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    const bytes = new Uint8Array(await file.arrayBuffer());
    const hash = wasm.document_hash_hex(anchor, bytes);
    let proof;
    try {
      proof = await fetchProof(nodes, `/v1/documents/${hash}/proof`);
    } catch (e) {
      fail('无法从节点获取证明', `could not get a proof: ${e.message}`);
      return;
    }
    const report = JSON.parse(wasm.verify_document_json(anchor, proof.bundle, bytes, Date.now()));
    show(report, answeredBy(proof.node));
  });
}

function fail(zh, en) {
  show({ status: 'error', steps: [{ id: 'read', ok: false, detail: `${zh} · ${en}` }], certificate: null, height: null });
}

// How long a node may take to answer, body included, before the next is asked.
const NODE_TIMEOUT_MS = 8000;

// Asks each node in turn for the proof at `path` until one answers with one; a node that
// errs, refuses or does not answer in time is passed over, and the error names each.
async function fetchProof(nodes, path) {
  const failures = [];
  const trusted = document.querySelector('meta[name="hengxin-trust-set"]').content;
  for (const node of nodes) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), NODE_TIMEOUT_MS);
    try {
      const response = await fetch(`${node}${path}?trust=${trusted}`, { cache: 'no-store', signal: controller.signal });
      const body = await response.json();
      if (!response.ok) {
        throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : response.statusText);
      }
      return { node, bundle: base64urlBytes(body.bundle) };
    } catch (e) {
      failures.push(`${node}: ${controller.signal.aborted
        ? `${NODE_TIMEOUT_MS / 1000} 秒内无应答 · no answer within ${NODE_TIMEOUT_MS / 1000} s`
        : e.message}`);
    } finally {
      clearTimeout(timer);
    }
  }
  throw new Error(failures.join('; '));
}

function answeredBy(node) {
  return `证明来自 · proof from ${node}`;
}

// What a person typed, as this page's query: an instrument id (`CQ-1`), a credit code (18
// characters), or LAB/NUMBER; `null` for anything else.
function lookupQuery(text) {
  const t = text.trim();
  if (/^[A-Za-z]{2}-[1-9][0-9]*$/.test(t)) return `i=${t.toUpperCase()}`;
  if (/^[0-9A-Za-z]{18}$/.test(t)) return `b=${t.toUpperCase()}`;
  const slash = t.indexOf('/');
  if (slash > 0 && slash < t.length - 1) {
    return `c=${encodeURIComponent(t.slice(0, slash).toUpperCase())}/${encodeURIComponent(t.slice(slash + 1))}`;
  }
  return null;
}

// With nothing named, a person without a QR code types what the paper or the label says.
function wireLookup(params) {
  const form = $('lookup');
  form.hidden = false;
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = lookupQuery($('lookup-input').value);
    if (!query) {
      $('lookup-message').textContent = '请输入 LAB/编号、18 位统一社会信用代码或器具码（如 CQ-1） · type LAB/NUMBER, an 18-character credit code or an instrument id such as CQ-1';
      return;
    }
    const node = params.get('node') ? `&node=${encodeURIComponent(params.get('node'))}` : '';
    location.search = `?${query}${node}`;
  });
}

// The nodes this page asks: `&node=`, else the ones it was exported with, else its own origin.
function nodesToAsk(params) {
  if (params.get('node')) return [params.get('node')];
  const listed = document.querySelector('meta[name="hengxin-nodes"]').content.split(/\s+/).filter(Boolean);
  return listed.length ? listed : [location.origin];
}

async function main() {
  wireScanning();
  const params = new URLSearchParams(location.search);
  wasm = await loadVerifier(Boolean(params.get('i') || params.get('b')));
  const anchor = base64urlBytes(document.querySelector('meta[name="hengxin-trust"]').content);
  const nodes = nodesToAsk(params);
  if (params.get('i')) {
    $('title').innerHTML = '衡信 · 器具核验 <small>Instrument verification (一器一码)</small>';
    document.title = '衡信 · 器具核验 Instrument verification';
    $('compare').hidden = true;
    await verifyInstrument(params.get('i'), nodes, anchor);
    return;
  }
  if (params.get('b')) {
    $('title').innerHTML = '衡信 · 诚信计量核验 <small>Integrity-metrology check</small>';
    document.title = '衡信 · 诚信计量核验 Integrity-metrology check';
    $('compare').hidden = true;
    await verifyBusiness(params.get('b'), nodes, anchor);
    return;
  }
  const certificate = params.get('c') || '';
  const slash = certificate.indexOf('/');
  if (!certificate) {
    wireLookup(params);
    awaitDocument(nodes, anchor);
    return;
  }
  if (slash < 1) {
    fail('证书编号无效', 'not a certificate: open this page as /verify?c=LAB/NUMBER (or ?b=CREDITCODE for a business, ?i=ID for an instrument)');
    return;
  }
  const lab = certificate.slice(0, slash);
  const number = certificate.slice(slash + 1);
  const hashPrefix = params.get('h') || '';
  const stapled = new URLSearchParams(location.hash.slice(1)).get('p');

  let bundle;
  let note;
  let offline = false;
  try {
    const proof = await fetchProof(nodes, `/v1/certificates/${encodeURIComponent(lab)}/${encodeURIComponent(number)}/proof`);
    bundle = proof.bundle;
    note = answeredBy(proof.node);
  } catch (e) {
    if (!stapled) {
      fail('无法从节点获取证明', `could not get a proof: ${e.message}`);
      return;
    }
    bundle = base64urlBytes(stapled);
    offline = true;
    note = `离线：使用二维码附带的证明 · offline: using the proof stapled to the QR code (${e.message})`;
  }
  let documentBytes = new Uint8Array();
  const run = () => {
    const report = JSON.parse(wasm.verify_certificate_json(
      anchor, bundle, lab, number, hashPrefix, documentBytes, Date.now()));
    let text = note;
    if (offline && report.proven_at_ms) {
      text += ` (${age(report.proven_at_ms)})`;
    }
    show(report, text);
  };
  run();
  $('document').addEventListener('change', async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    documentBytes = new Uint8Array(await file.arrayBuffer());
    run();
  });
}

main().catch((e) => fail('核验出错', `verification failed: ${e.message || e}`));
