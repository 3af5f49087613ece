// Scanning a QR code from the page: the camera (扫码) or a photo of the code. The browser's
// BarcodeDetector decodes where it has one; elsewhere jsQR (from npm, served beside this page,
// loaded only when first needed). A scanned hengxin verify address opens its verdict on this
// page, under this page's trust anchor; anything else is refused with a message.

const $ = (id) => document.getElementById(id);

// The parameters of a hengxin verify address (`…/verify?c=LAB/NUMBER&h=…#p=…` or
// `…/verify?b=CREDITCODE`), or null for anything else.
export function verifyTarget(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const isPage = /\/verify\/?$/.test(url.pathname) && (url.protocol === 'https:' || url.protocol === 'http:');
  const c = url.searchParams.get('c');
  const b = url.searchParams.get('b');
  const certificate = c !== null && c.indexOf('/') > 0;
  // Exactly one of a certificate and a business.
  if (!isPage || certificate === (b !== null)) return null;
  const params = new URLSearchParams();
  if (c) {
    params.set('c', c);
    if (url.searchParams.get('h')) params.set('h', url.searchParams.get('h'));
  } else {
    params.set('b', b);
  }
  const stapled = new URLSearchParams(url.hash.slice(1)).get('p');
  return { search: `?${params}`, hash: stapled ? `#p=${stapled}` : '' };
}

let decoding;

// A function from an image source (bitmap, video) to the text of the QR code in it, or null.
function decoder() {
  decoding ||= (async () => {
    if ('BarcodeDetector' in window) {
      try {
        if ((await BarcodeDetector.getSupportedFormats()).includes('qr_code')) {
          const detector = new BarcodeDetector({ formats: ['qr_code'] });
          return async (source) => (await detector.detect(source))[0]?.rawValue ?? null;
        }
      } catch {
        // No usable detector: decode in script.
      }
    }
    await new Promise((resolve, reject) => {
      const script = document.createElement('script');
      script.src = new URL('./jsqr.js', import.meta.url).href;
      script.onload = resolve;
      script.onerror = () => reject(new Error('无法加载二维码解码器 · the QR decoder did not load'));
      document.head.append(script);
    });
    if (typeof window.jsQR !== 'function') {
      throw new Error('本页面未打包二维码解码器 · this page was built without its QR decoder');
    }
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    return async (source) => {
      const width = source.videoWidth || source.width;
      const height = source.videoHeight || source.height;
      // A phone photo is large; a QR code decodes as well at 1,200 px.
      const scale = Math.min(1, 1200 / Math.max(width, height));
      canvas.width = Math.max(1, Math.round(width * scale));
      canvas.height = Math.max(1, Math.round(height * scale));
      context.drawImage(source, 0, 0, canvas.width, canvas.height);
      const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      return window.jsQR(pixels.data, pixels.width, pixels.height)?.data ?? null;
    };
  })();
  return decoding;
}

function say(zh, en) {
  $('scan-message').textContent = `${zh} · ${en}`;
}

// Opens what `text` names, or says why not.
function open(text) {
  const target = verifyTarget(text);
  if (!target) {
    say('这不是衡信核验二维码', `not a hengxin verify code: ${text.slice(0, 120)}`);
    return;
  }
  location.assign(`${location.pathname}${target.search}${target.hash}`);
}

async function fromPhoto(file) {
  say('正在识别照片…', 'reading the photo…');
  try {
    const bitmap = await createImageBitmap(file);
    const text = await (await decoder())(bitmap);
    if (text === null) {
      say('照片中未找到二维码', 'no QR code found in the photo: take it closer and sharper');
      return;
    }
    open(text);
  } catch (e) {
    say('无法读取照片', `the photo cannot be read: ${e.message || e}`);
  }
}

async function fromCamera() {
  const video = $('camera');
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
  } catch (e) {
    say('无法使用摄像头', `the camera is not available (${e.name || e}): choose a photo instead`);
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  say('请将二维码对准摄像头', 'point the camera at the QR code');
  const decode = await decoder();
  const stop = () => {
    stream.getTracks().forEach((track) => track.stop());
    video.hidden = true;
  };
  const deadline = Date.now() + 60000;
  while (Date.now() < deadline) {
    const text = video.videoWidth ? await decode(video) : null;
    if (text !== null) {
      stop();
      open(text);
      return;
    }
    await new Promise((resolve) => { setTimeout(resolve, 150); });
  }
  stop();
  say('一分钟内未识别到二维码', 'no QR code seen in a minute: try again, or choose a photo');
}

export function wireScanning() {
  $('scan-button').addEventListener('click', () => {
    fromCamera().catch((e) => say('扫码出错', `scanning failed: ${e.message || e}`));
  });
  $('photo').addEventListener('change', (event) => {
    if (event.target.files[0]) fromPhoto(event.target.files[0]);
  });
}
