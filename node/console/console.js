// The supervision platform (智慧计量监管平台): read-only pages of figures, warnings and tables
// from a node's /v1/stats/… answers, every one at the indexed block the page names. Filters
// live in the URL (a plain GET form), so a view can be sent to a colleague; every table
// downloads as CSV. Charts by Apache ECharts, served by the node (no CDN).
'use strict';

const PAGES = [
  { id: 'overview', zh: '概览', en: 'Overview' },
  { id: 'certificates', zh: '证书', en: 'Certificates' },
  { id: 'instruments', zh: '器具', en: 'Instruments' },
  { id: 'credit', zh: '信用', en: 'Credit' },
  { id: 'inspections', zh: '双随机', en: 'Inspections' },
  { id: 'recognition', zh: '互认', en: 'Recognition' },
  { id: 'network', zh: '网络', en: 'Network' },
];

// The wire words people read, Chinese first.
const WORDS = {
  instrument: {
    valid: '合格 Verified', due_soon: '临期 Due soon', overdue: '超期 Overdue',
    failed: '不合格 Failed', unverified: '待检 Awaiting', retired: '已报废 Retired',
  },
  certificate: {
    valid: '有效 Valid', revoked: '已撤销 Revoked', superseded: '已被替代 Superseded',
    expired: '已过期 Expired',
  },
  grade: { A: 'A 级', B: 'B 级', C: 'C 级', D: 'D 级' },
};
const STATUS_ORDER = ['overdue', 'due_soon', 'failed', 'unverified', 'valid', 'retired'];
const STATUS_COLOR = {
  valid: '#2e7d32', due_soon: '#f9a825', overdue: '#c62828', failed: '#6a1b9a',
  unverified: '#546e7a', retired: '#9e9e9e',
};

const params = new URLSearchParams(location.search);
const page = PAGES.find((p) => p.id === params.get('p')) || PAGES[0];
const nodes = (document.body.dataset.nodes || '').split(' ').filter(Boolean);

/** GETs `path` from the page's node (or each listed node in turn); the JSON answer. */
async function api(path) {
  let last;
  for (const node of nodes.length ? nodes : ['']) {
    try {
      const response = await fetch(node + path, { headers: { accept: 'application/json' } });
      const body = await response.json();
      if (response.ok) return body;
      last = new Error(`${body.error.message} (${body.error.code})`);
      if (response.status < 500) break;
    } catch (e) {
      last = new Error(`节点无法访问 node unreachable: ${e.message}`);
    }
  }
  throw last;
}

/** The query string of `names` taken from the URL's filters (empty ones left out). */
function query(names, extra = {}) {
  const q = new URLSearchParams();
  for (const name of names) {
    const value = (params.get(name) || '').trim();
    if (value) q.set(name, value);
  }
  for (const [k, v] of Object.entries(extra)) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function word(kind, code) {
  return (WORDS[kind] && WORDS[kind][code]) || code;
}

function count(list, key) {
  const found = (list || []).find((c) => c.key === key);
  return found ? found.count : 0;
}

// --- figures, charts, tables ------------------------------------------------------------------

function card(name, label, value, tone = '', href = '') {
  const box = el('div', { class: `card ${tone}`, dataset: { figure: name, value: String(value) } },
    el('span', { class: 'value', text: String(value) }), el('span', { class: 'label', text: label }));
  document.getElementById('cards').append(href ? el('a', { href, class: 'card-link' }, box) : box);
}

function chart(name, title, option) {
  const box = el('div', { class: 'chart', dataset: { chart: name } });
  const figure = el('figure', {}, el('figcaption', { text: title }), box);
  document.getElementById('charts').append(figure);
  if (!window.echarts) {
    box.textContent = '图表库未随节点安装 · the charting library was not installed with this node';
    return;
  }
  const instance = window.echarts.init(box, null, { renderer: 'canvas' });
  instance.setOption({ animation: false, tooltip: {}, grid: { containLabel: true, left: 8, right: 8 }, ...option });
  window.addEventListener('resize', () => instance.resize());
}

/** CSV (RFC 4180) of `rows` under `columns`' keys, with a byte-order mark for spreadsheets. */
function csv(columns, rows) {
  const cell = (v) => {
    const text = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const lines = [columns.map((c) => cell(c.key)).join(',')];
  for (const row of rows) lines.push(columns.map((c) => cell(row[c.key])).join(','));
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

function table(name, title, columns, rows, note = '', into = 'tables') {
  const section = el('section', { class: 'table', dataset: { section: name } });
  const download = el('button', { type: 'button', class: 'csv', dataset: { csv: name }, text: '下载 CSV' });
  download.addEventListener('click', () => {
    const blob = new Blob([csv(columns, rows)], { type: 'text/csv;charset=utf-8' });
    const link = el('a', { href: URL.createObjectURL(blob), download: `hengxin-${page.id}-${name}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
  });
  section.append(el('h2', {}, el('span', { text: title }), download));
  if (note) section.append(el('p', { class: 'note', text: note }));
  const head = el('tr', {}, ...columns.map((c) => el('th', { text: c.label })));
  const body = el('tbody');
  for (const row of rows) {
    body.append(el('tr', {}, ...columns.map((c) => {
      const value = c.show ? c.show(row) : row[c.key];
      return el('td', { dataset: { key: c.key } }, value === null || value === undefined ? '—' : String(value));
    })));
  }
  if (!rows.length) body.append(el('tr', {}, el('td', { colspan: String(columns.length), text: '无 none' })));
  section.append(el('div', { class: 'scroll' }, el('table', { dataset: { table: name, rows: String(rows.length) } },
    el('thead', {}, head), body)));
  document.getElementById(into).append(section);
}

const col = (key, label, show) => ({ key, label, show });

// --- the filters ---------------------------------------------------------------------------------

const FILTERS = {
  region: { zh: '地区', en: 'region', hint: 'CQ / SC' },
  lab: { zh: '机构', en: 'lab', hint: 'CQJL' },
  from: { zh: '起始月', en: 'from', hint: '2026-01' },
  to: { zh: '截止月', en: 'to', hint: '2026-12' },
  division: { zh: '区划', en: 'division', hint: '500103' },
  class: { zh: '器具类别', en: 'class', hint: 'FUEL' },
  status: { zh: '状态', en: 'status', hint: 'overdue,due_soon' },
};

function filters(names) {
  const form = document.getElementById('filters');
  form.append(el('input', { type: 'hidden', name: 'p', value: page.id }));
  for (const name of names) {
    const f = FILTERS[name];
    const input = el('input', { name, id: `f-${name}`, placeholder: f.hint, value: params.get(name) || '' });
    form.append(el('label', { for: `f-${name}` }, `${f.zh} `, el('small', { text: f.en }), input));
  }
  form.append(el('button', { type: 'submit', text: '筛选 Filter' }));
}

// --- the pages -----------------------------------------------------------------------------------

const PAGE_VIEWS = {
  async overview() {
    filters(['region']);
    const [o, due] = await together([
      api(`/v1/stats/overview${query(['region'])}`),
      api(`/v1/stats/instruments/due${query(['region'], { limit: '10' })}`),
    ]);
    const region = query(['region']).replace('?', '&');
    card('labs', '计量机构 labs', o.labs);
    card('certificates.valid', '有效证书 valid certificates', count(o.certificates, 'valid'));
    card('certificates.revoked', '已撤销证书 revoked', count(o.certificates, 'revoked'));
    card('instruments.overdue', '超期器具 overdue', count(o.instruments, 'overdue'), 'alarm', `?p=instruments&status=overdue${region}`);
    card('instruments.due_soon', '临期器具 due soon', count(o.instruments, 'due_soon'), 'warn', `?p=instruments&status=due_soon${region}`);
    card('instruments.failed', '不合格器具 failed', count(o.instruments, 'failed'), 'alarm');
    card('businesses.D', 'D 级经营者 grade D', count(o.businesses, 'D'));
    card('plans', '双随机计划 plans', o.plans);
    card('agreements', '互认协议 agreements in force', o.agreements_in_force);
    card('inspectors', '在岗检查员 inspectors', o.inspectors);
    chart('instrument-status', '器具状态 instruments by status', {
      series: [{ type: 'pie', radius: ['35%', '65%'], data: STATUS_ORDER.map((s) => ({
        name: word('instrument', s), value: count(o.instruments, s), itemStyle: { color: STATUS_COLOR[s] },
      })) }],
    });
    chart('business-grades', '诚信等级 businesses by grade', {
      xAxis: { type: 'category', data: ['A', 'B', 'C', 'D'] }, yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'bar', data: ['A', 'B', 'C', 'D'].map((g) => count(o.businesses, g)) }],
    });
    dueTable(due, '预警：超期与临期（最早到期 10 台）Warnings: the 10 due first');
    return [o.at, due.at];
  },

  async certificates() {
    filters(['region', 'lab', 'from', 'to']);
    const [s, labs] = await together([
      api(`/v1/stats/certificates${query(['region', 'lab', 'from', 'to'])}`),
      api(`/v1/labs${query(['region'])}`),
    ]);
    const months = [...new Set(s.rows.map((r) => r.month))].sort();
    const labCodes = [...new Set(s.rows.map((r) => r.lab))].sort();
    const sum = (key) => s.rows.reduce((n, r) => n + r[key], 0);
    card('anchored', '上链证书 anchored', sum('anchored'));
    card('revoked', '撤销 revoked', sum('revoked'), 'alarm');
    card('superseded', '替代 superseded', sum('superseded'));
    chart('anchored-by-month', '每月上链证书（按机构）certificates anchored per month, by lab', {
      legend: { top: 0 }, xAxis: { type: 'category', data: months }, yAxis: { type: 'value', minInterval: 1 },
      series: [
        ...labCodes.map((lab) => ({ name: lab, type: 'bar', stack: 'anchored', data: months.map((m) => {
          const row = s.rows.find((r) => r.lab === lab && r.month === m);
          return row ? row.anchored : 0;
        }) })),
        { name: '撤销 revoked', type: 'line', data: months.map((m) => s.rows.filter((r) => r.month === m).reduce((n, r) => n + r.revoked, 0)) },
      ],
    });
    table('months', '每月证书 certificates per lab and month', [
      col('lab', '机构 lab'), col('month', '月份 month'), col('anchored', '上链 anchored'),
      col('revoked', '撤销 revoked'), col('superseded', '替代 superseded'),
    ], s.rows);
    table('labs', '计量机构 labs', [
      col('code', '代码 code'), col('name', '名称 name'), col('region', '地区 region'),
      col('kind', '类型 kind'), col('status', '状态 status'), col('certificates', '证书 certificates'),
      col('active_keys', '在用密钥 keys'), col('dcc_certs', 'DCC 证书 DCC certificates'),
    ], labs.labs);
    return [s.at, labs.at];
  },

  async instruments() {
    filters(['region', 'division', 'class', 'status']);
    const [due, groups] = await together([
      api(`/v1/stats/instruments/due${query(['region', 'division', 'class', 'status'])}`),
      api(`/v1/stats/instruments${query(['region'])}`),
    ]);
    const by = (s) => groups.rows.filter((r) => r.status === s).reduce((n, r) => n + r.count, 0);
    for (const s of STATUS_ORDER) {
      const tone = s === 'overdue' || s === 'failed' ? 'alarm' : s === 'due_soon' ? 'warn' : '';
      card(`instruments.${s}`, word('instrument', s), by(s), tone);
    }
    dueTable(due, '预警：超期与临期，最早到期在前 Warnings: overdue and due soon, soonest first',
      due.next ? '仅列出前 1000 台，请缩小筛选 · the first 1,000 only: narrow the filters' : '');
    const classes = [...new Set(groups.rows.map((r) => r.class))].sort();
    chart('status-by-class', '各类器具状态 instruments by class and status', {
      legend: { top: 0 }, xAxis: { type: 'category', data: classes }, yAxis: { type: 'value', minInterval: 1 },
      series: STATUS_ORDER.map((s) => ({
        name: word('instrument', s), type: 'bar', stack: 'all', itemStyle: { color: STATUS_COLOR[s] },
        data: classes.map((c) => groups.rows.filter((r) => r.class === c && r.status === s).reduce((n, r) => n + r.count, 0)),
      })),
    });
    table('groups', '按类别、区划、状态 by class, division and status', [
      col('class', '类别 class'), col('division', '区划 division'),
      col('status', '状态 status', (r) => word('instrument', r.status)), col('count', '台数 count'),
    ], groups.rows);
    return [due.at, groups.at];
  },

  async credit() {
    filters(['region', 'from', 'to']);
    const [b, records] = await together([
      api(`/v1/stats/businesses${query(['region'])}`),
      api(`/v1/stats/credit-records${query(['region', 'from', 'to'])}`),
    ]);
    for (const g of ['A', 'B', 'C', 'D']) {
      card(`businesses.${g}`, `${g} 级经营者 grade ${g}`, b.rows.filter((r) => r.grade === g).reduce((n, r) => n + r.count, 0), g === 'D' ? 'alarm' : '');
    }
    const types = [...new Set(b.rows.map((r) => r.business_type))].sort();
    chart('grades-by-type', '各类经营者诚信等级 grades by business type', {
      legend: { top: 0 }, xAxis: { type: 'category', data: types }, yAxis: { type: 'value', minInterval: 1 },
      series: ['A', 'B', 'C', 'D'].map((g) => ({ name: g, type: 'bar', stack: 'all',
        data: types.map((t) => b.rows.filter((r) => r.business_type === t && r.grade === g).reduce((n, r) => n + r.count, 0)) })),
    });
    const months = [...new Set(records.rows.map((r) => r.month))].sort();
    const events = [...new Set(records.rows.map((r) => r.event))].sort();
    chart('records-by-month', '每月信用记录 credit records per month', {
      legend: { top: 0 }, xAxis: { type: 'category', data: months }, yAxis: { type: 'value', minInterval: 1 },
      series: events.map((e) => ({ name: e, type: 'line', data: months.map((m) => {
        const row = records.rows.find((r) => r.month === m && r.event === e);
        return row ? row.count : 0;
      }) })),
    });
    table('grades', '经营者等级 businesses by region, type and grade', [
      col('region', '地区 region'), col('business_type', '类型 type'), col('grade', '等级 grade'), col('count', '家数 count'),
    ], b.rows);
    table('records', '信用记录 credit records per month', [
      col('month', '月份 month'), col('event', '代码 code'), col('count', '条数 count'),
    ], records.rows);
    return [b.at, records.at];
  },

  async inspections() {
    filters(['region']);
    const [s] = await together([api(`/v1/stats/inspections${query(['region'])}`)]);
    card('plans', '计划 plans', s.plans.length);
    card('targets', '抽中对象 targets', s.plans.reduce((n, p) => n + p.targets, 0));
    card('short_targets', '缺检查员 short targets', s.plans.reduce((n, p) => n + p.short_targets, 0), 'warn');
    card('results', '已录结果 results', s.plans.reduce((n, p) => n + p.results, 0));
    const ids = s.plans.map((p) => `#${p.id}`).reverse();
    chart('plans', '各计划抽查与结果 targets and results per plan', {
      legend: { top: 0 }, xAxis: { type: 'category', data: ids }, yAxis: { type: 'value', minInterval: 1 },
      series: [['targets', '抽中 targets'], ['results', '结果 results'], ['short_targets', '缺人 short']].map(([k, name]) => ({
        name, type: 'bar', data: [...s.plans].reverse().map((p) => p[k]) })),
    });
    table('plans', '双随机抽查计划 plans', [
      col('id', '编号 id'), col('region', '地区 region'), col('business_types', '类型 types'),
      col('reveal_height', '揭晓高度 reveal height'), col('drawn', '已抽取 drawn', (p) => (p.drawn ? '是 yes' : '否 no')),
      col('drawn_on', '抽取日期 drawn on'), col('in_scope', '范围内 in scope'), col('targets', '抽中 targets'),
      col('short_targets', '缺人 short'), col('results', '结果 results'), col('passed', '通过 passed'),
    ], s.plans);
    return [s.at];
  },

  async recognition() {
    filters(['region', 'from', 'to']);
    const [s, agreements] = await together([
      api(`/v1/stats/recognition${query(['region', 'from', 'to'])}`),
      api('/v1/agreements'),
    ]);
    card('own', '本地区证书 own certificates', s.rows.reduce((n, r) => n + r.own, 0));
    card('recognised', '互认证书 recognised', s.rows.reduce((n, r) => n + r.recognised, 0));
    const months = [...new Set(s.rows.map((r) => r.month))].sort();
    const regions = [...new Set(s.rows.map((r) => r.region))].sort();
    chart('recognised-by-month', '每月互认证书 certificates recognised per month', {
      legend: { top: 0 }, xAxis: { type: 'category', data: months }, yAxis: { type: 'value', minInterval: 1 },
      series: regions.map((region) => ({ name: `${region} 互认 recognised`, type: 'bar', data: months.map((m) => {
        const row = s.rows.find((r) => r.region === region && r.month === m);
        return row ? row.recognised : 0;
      }) })),
    });
    table('months', '各地区每月 per region and month', [
      col('region', '地区 region'), col('month', '月份 month'), col('own', '本地区 own'), col('recognised', '互认 recognised'),
    ], s.rows);
    table('agreements', '互认协议 agreements', [
      col('id', '编号 id'), col('regions', '双方 regions'), col('kinds', '证书类型 kinds'),
      col('categories', '专业 categories'), col('from', '起始 from'), col('until', '终止 until'),
      col('status', '状态 status'),
    ], (agreements.agreements || []).map((a) => ({
      ...a, regions: a.regions.join(' · '), kinds: a.kinds.join(' '), categories: a.categories.join(' '),
    })));
    return [s.at];
  },

  async network() {
    const [n] = await together([api('/v1/stats/network')]);
    card('validators', '验证节点 validators', n.validators.length);
    card('height', '区块高度 height', n.at.head);
    card('blocks_last_24h', '24 小时区块 blocks, 24 h', n.blocks_last_24h);
    card('transactions_last_24h', '24 小时交易 transactions, 24 h', n.transactions_last_24h);
    const blocks = [...n.blocks].reverse();
    chart('transactions-per-block', '最近区块的交易数 transactions in the latest blocks', {
      xAxis: { type: 'category', data: blocks.map((b) => b.height) }, yAxis: { type: 'value', minInterval: 1 },
      series: [{ type: 'line', data: blocks.map((b) => b.transactions) }],
    });
    table('validators', '验证节点 validators', [col('key', '公钥 key'), col('power', '权重 power')], n.validators);
    table('blocks', '最近区块 latest blocks', [
      col('height', '高度 height'), col('hash', '哈希 hash'),
      col('time_ms', '时间 time', (b) => new Date(b.time_ms).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai' })),
      col('transactions', '交易 transactions'),
    ], n.blocks);
    return [n.at];
  },
};

function dueTable(due, title, note = '') {
  table('due', title, [
    col('id', '器具码 id'), col('status', '状态 status', (r) => word('instrument', r.status)),
    col('valid_until', '有效期至 valid until'), col('class', '类别 class'), col('division', '区划 division'),
    col('site', '位置 site'), col('owner', '使用单位 owner'), col('serial', '出厂编号 serial'),
    col('latest_lab', '检定机构 lab'), col('latest_number', '证书 certificate'),
  ], due.instruments, note, 'warnings');
}

/** The answers of one page, asked together. */
function together(requests) {
  return Promise.all(requests);
}

// --- the page's frame ------------------------------------------------------------------------------

function nav() {
  const keep = query(['region']);
  const bar = document.getElementById('nav');
  for (const p of PAGES) {
    const link = el('a', { href: `?p=${p.id}${keep.replace('?', '&')}`, dataset: { page: p.id } },
      p.zh, el('small', { text: ` ${p.en}` }));
    if (p === page) link.setAttribute('aria-current', 'page');
    bar.append(link);
  }
}

function showAt(ats) {
  const at = document.getElementById('at');
  const first = ats[0];
  const same = ats.every((a) => a.height === first.height && a.hash === first.hash);
  at.dataset.height = String(first.height);
  at.dataset.hash = first.hash;
  at.dataset.lag = String(first.lag_blocks);
  at.dataset.consistent = same ? '1' : '0';
  at.textContent = `数据截至区块 #${first.height} · ${first.hash.slice(0, 16)}… · ${first.date}`
    + ` · 索引落后链 ${first.lag_blocks} 块`;
  at.append(el('small', { text: ` · as of block ${first.height}, ${first.lag_blocks} behind the chain` }));
  if (!same) at.append(el('strong', { text: ' · 各图数据跨越了新区块，请刷新 refresh: the figures span a new block' }));
}

async function main() {
  nav();
  document.title = `${page.zh} · 衡信智慧计量监管平台`;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    for (const id of ['filters', 'cards', 'warnings', 'charts', 'tables']) {
      document.getElementById(id).replaceChildren();
    }
    try {
      const ats = await PAGE_VIEWS[page.id]();
      // Every figure of the page from one block: asked again when a block came in between.
      if (ats.every((a) => a.height === ats[0].height) || attempt === 2) {
        showAt(ats);
        document.body.dataset.ready = '1';
        return;
      }
    } catch (e) {
      const error = document.getElementById('error');
      error.hidden = false;
      error.textContent = `无法读取数据 cannot read the figures: ${e.message}`;
      document.getElementById('at').textContent = '—';
      document.body.dataset.ready = 'error';
      return;
    }
  }
}

main();
