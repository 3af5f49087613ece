// Times the verify page's own work in this browser: the node's verifier WASM checking a
// certificate bundle, a business bundle and an instrument bundle against the page's trust
// anchor, then parsing the report, as the page does (its `hengxin_verifier` module for the
// certificate, `hengxin_field` for the others).
// `?node=URL&c=LAB/NUMBER&b=CREDITCODE&i=ID&runs=N`; the timings go back to the harness as JSON
// (POST /result).
const params = new URLSearchParams(location.search);
const node = params.get('node');
const runs = Number(params.get('runs'));

function base64urlBytes(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function bundle(path) {
  const response = await fetch(`${node}${path}`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return base64urlBytes((await response.json()).bundle);
}

// Warms up, then times `runs` calls; each must give the status expected.
function time(expected, call) {
  for (let i = 0; i < 20; i += 1) call();
  const ms = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    const report = call();
    ms.push(performance.now() - start);
    if (report.status !== expected) throw new Error(`run ${i}: ${report.status}, not ${expected}`);
  }
  ms.sort((a, b) => a - b);
  const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
  return { runs, median_ms: at(0.5), p99_ms: at(0.99), min_ms: ms[0], max_ms: ms[ms.length - 1] };
}

async function main() {
  const page = await (await fetch(`${node}/verify`)).text();
  // The modules of the page's scheme, as the page chooses them.
  const sm = page.match(/name="hengxin-crypto" content="([^"]+)"/)[1] === 'sm2-sm3' ? '_sm' : '';
  const glue = await import(`${node}/verify/hengxin_verifier${sm}.js`);
  await glue.default({ module_or_path: `${node}/verify/hengxin_verifier${sm}_bg.wasm` });
  const field = await import(`${node}/verify/hengxin_field${sm}.js`);
  await field.default({ module_or_path: `${node}/verify/hengxin_field${sm}_bg.wasm` });
  const anchor = base64urlBytes(page.match(/name="hengxin-trust" content="([^"]+)"/)[1]);
  const [lab, number] = [params.get('c').split('/')[0], params.get('c').split('/').slice(1).join('/')];
  const code = params.get('b');
  const certificate = await bundle(`/v1/certificates/${encodeURIComponent(lab)}/${encodeURIComponent(number)}/proof`);
  const business = await bundle(`/v1/businesses/${encodeURIComponent(code)}/proof`);
  const id = params.get('i');
  const instrument = await bundle(`/v1/instruments/${encodeURIComponent(id)}/proof`);
  const now = Date.now();
  const certReport = JSON.parse(glue.verify_certificate_json(anchor, certificate, lab, number, '', new Uint8Array(), now));
  const businessReport = JSON.parse(field.verify_business_json(anchor, business, code, now));
  const instrumentReport = JSON.parse(field.verify_instrument_json(anchor, instrument, id, now));
  return {
    user_agent: navigator.userAgent,
    modules: sm ? 'sm2-sm3 (_sm)' : 'ed25519-sha256',
    cross_origin_isolated: self.crossOriginIsolated,
    certificate: {
      bundle_bytes: certificate.length,
      trace_links: certReport.trace.length,
      recognized_in: certReport.certificate.recognized_in,
      ...time('authentic', () => JSON.parse(glue.verify_certificate_json(
        anchor, certificate, lab, number, '', new Uint8Array(), now))),
    },
    business: {
      bundle_bytes: business.length,
      records: businessReport.business.records.length,
      ...time('authentic', () => JSON.parse(field.verify_business_json(anchor, business, code, now))),
    },
    instrument: {
      bundle_bytes: instrument.length,
      history: instrumentReport.instrument.history.length,
      status: instrumentReport.instrument.status,
      ...time('authentic', () => JSON.parse(field.verify_instrument_json(anchor, instrument, id, now))),
    },
  };
}

main()
  .then((result) => result, (e) => ({ error: String(e && e.stack || e) }))
  .then((result) => {
    document.getElementById('state').textContent = JSON.stringify(result, null, 2);
    return fetch('/result', { method: 'POST', body: JSON.stringify(result) });
  });
