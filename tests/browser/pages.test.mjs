// The pages in a real browser against a real server: the admin logs in through the login page,
// uploads a real slide through the upload page into their Private folder, opens its item page,
// zooms in until full-resolution tiles are shown, and the viewer's pixels are real tissue. Every
// tile answer is 2xx; a style from the style picker reaches the tiles; an anonymous visitor gets
// 401 for the private item's thumbnail and tiles; logging out forgets the token.
//
// Headless Debian Chromium driven by playwright-core (web/node_modules), `tessera serve` on
// port 0 with a fresh data directory. Waits are on events (OpenSeadragon's animation-finish and
// fully-loaded-change, page navigations, DOM states), never on sleeps.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {CHROMIUM, SLIDE, missingPrerequisites, playwright} from './lib/env.mjs';
import {startTessera, createAdmin} from './lib/tessera.mjs';
import {decodePng, pixelStats} from './lib/png.mjs';

const missing = missingPrerequisites();
const STEP_MS = 120_000;
const TILE_URL = /\/api\/v1\/item\/[^/]+\/tiles\/(f?zxy)\/(?:\d+\/)?(\d+)\/(\d+)\/(\d+)/;
const VIEWER_BG = [0x20, 0x26, 0x2c];  // style.css --viewer-bg

// Arms a waiter in the page for the viewer's next move: it resolves once the view has stopped
// (animation-finish) and the current image has every tile that view needs (fully-loaded),
// and rejects when a tile fails. Armed before the move, awaited with settled().
async function armSettle(page) {
  await page.evaluate(() => {
    const viewer = window.tessera.viewer;
    window.__settled = new Promise((resolve, reject) => {
      const failed = (e) => reject(new Error('tile failed: ' + (e.message || e.tile?.getUrl())));
      viewer.addOnceHandler('tile-load-failed', failed);
      viewer.addOnceHandler('animation-finish', () => {
        viewer.world.getItemAt(0).whenFullyLoaded(() => {
          viewer.removeHandler('tile-load-failed', failed);
          resolve();
        });
      });
    });
  });
}

// Waits for the armed waiter, then two frames (the loaded tiles are drawn). Returns the image
// zoom (screen pixels per image pixel).
async function settled(page) {
  return page.evaluate(async () => {
    await window.__settled;
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const viewer = window.tessera.viewer;
    return viewer.world.getItemAt(0).viewportToImageZoom(viewer.viewport.getZoom(true));
  });
}

// Resolves when the current image (opened or re-opened) is fully loaded.
async function whenOpenAndLoaded(page) {
  await page.locator('#viewer[data-state=open][data-fully-loaded=true]').waitFor({
    state: 'attached', timeout: STEP_MS,
  });
}

function isTissue(r, g, b) {
  const nearWhite = r > 215 && g > 215 && b > 215;
  const nearBackground = Math.abs(r - VIEWER_BG[0]) + Math.abs(g - VIEWER_BG[1]) +
                         Math.abs(b - VIEWER_BG[2]) < 24;
  return !nearWhite && !nearBackground;
}

// The viewer as the user sees it, decoded; `inset` trims the controls and the navigator.
async function viewerPixels(page, inset = 0.2) {
  const png = decodePng(await page.locator('#viewer').screenshot());
  const rect = {x: Math.round(png.width * inset), y: Math.round(png.height * inset),
                width: Math.round(png.width * (1 - 2 * inset)),
                height: Math.round(png.height * (1 - 2 * inset))};
  return {png, rect};
}

describe('web pages in Chromium', {skip: missing.length ? missing.join('; ') : false,
                                  timeout: 600_000}, () => {
  let server, admin, browser, context, page;
  const tiles = [];          // {url, status, z} of every tile answer the item page got
  const failedRequests = [];  // tile requests that got no answer
  const pageErrors = [];
  const state = {};          // filled by the steps, read by later ones

  before(async () => {
    server = await startTessera();
    admin = await createAdmin(server.url);
    const {chromium} = playwright();
    browser = await chromium.launch({executablePath: CHROMIUM, headless: true,
                                     args: ['--no-sandbox', '--disable-dev-shm-usage']});
    context = await browser.newContext({viewport: {width: 1280, height: 860}});
    context.setDefaultTimeout(STEP_MS);
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('response', (r) => {
      const m = TILE_URL.exec(r.url());
      if (m) tiles.push({url: r.url(), status: r.status(), z: Number(m[2])});
    });
    page.on('requestfailed', (r) => {
      if (TILE_URL.test(r.url())) failedRequests.push(`${r.url()}: ${r.failure()?.errorText}`);
    });
  });

  after(async () => {
    await browser?.close();
    if (server) {
      await server.stop();
      if (state.failed) console.error('--- tessera log ---\n' + server.logs());
    }
  });

  // Every tile answer so far was 2xx, none went unanswered, and the viewer counted no failure.
  async function assertTilesOk() {
    const bad = tiles.filter((t) => t.status < 200 || t.status > 299);
    assert.deepEqual(bad, [], 'every tile answer is 2xx');
    assert.deepEqual(failedRequests, [], 'no tile request failed');
    assert.equal(await page.evaluate(() => window.tessera.state.failedTiles), 0,
                 'the viewer reported no failed tile');
  }

  const step = (name, fn) => it(name, {timeout: 4 * STEP_MS}, async (t) => {
    if (state.failed) return t.skip(`an earlier step failed (${state.failed})`);
    try {
      await fn(t);
    } catch (err) {
      state.failed = name;
      throw err;
    }
  });

  step('logs in through the login page', async () => {
    await page.goto(`${server.url}/login.html`);
    await page.getByLabel('Login or email').fill(admin.login);
    await page.getByLabel('Password').fill(admin.password);
    await Promise.all([page.waitForURL(/\/index\.html$/),
                       page.getByRole('button', {name: 'Log in'}).click()]);
    await page.locator('.user-name', {hasText: admin.login}).waitFor();
    const cookie = (await context.cookies()).find((c) => c.name === 'girderToken');
    assert.ok(cookie, 'the girderToken cookie is set');
    assert.equal(cookie.path, '/');
    assert.equal(cookie.sameSite, 'Strict');
    state.token = cookie.value;
  });

  step('uploads the slide into the Private folder', async () => {
    await Promise.all([page.waitForURL(/[?&]folder=/),
                       page.getByRole('link', {name: 'Private', exact: true}).click()]);
    state.folderId = new URL(page.url()).searchParams.get('folder');
    await Promise.all([page.waitForURL(/\/upload\.html\?folderId=/),
                       page.getByRole('link', {name: 'Upload files'}).click()]);
    await page.locator('#file-input').setInputFiles(SLIDE);
    await page.getByRole('button', {name: 'Upload', exact: true}).click();
    const row = page.locator('.upload[data-state=done], .upload[data-state=failed]');
    await row.waitFor({timeout: 4 * STEP_MS});
    if (await row.getAttribute('data-state') === 'failed') {
      assert.fail('the upload failed: ' + await row.locator('.upload-status').textContent());
    }
    state.itemId = await row.getAttribute('data-item-id');
    assert.match(state.itemId, /^[0-9a-f]{24}$/);
    // The item is in the folder, with the file's size.
    const items = await (await context.request.get(
      `${server.url}/api/v1/item?folderId=${state.folderId}`)).json();
    const item = items.find((i) => i._id === state.itemId);
    assert.ok(item, 'the uploaded item is listed in the Private folder');
    assert.equal(item.name, 'CMU-1-Small-Region.svs');
  });

  step('a chunked upload halves chunks the server refuses and resumes after a drop',
       async () => {
    // The first chunk (1 MiB) is refused as too large (413), and the first chunk after that
    // at offset > 0 loses its connection: the client asks /file/offset each time, goes on in
    // smaller chunks, and resends what was lost.
    const KiB = 1024, size = 1300 * KiB;
    const chunks = [];
    let offsetAsked = 0;
    let dropped = false;
    await page.route('**/api/v1/file/chunk?*', (route) => {
      const offset = Number(new URL(route.request().url()).searchParams.get('offset'));
      const bytes = route.request().postDataBuffer()?.length ?? 0;
      chunks.push([offset / KiB, bytes / KiB]);
      if (bytes > 1000 * KiB) {
        return route.fulfill({status: 413, contentType: 'application/json',
                              body: JSON.stringify({message: 'Request body too large',
                                                    type: 'rest'})});
      }
      if (offset > 0 && !dropped) {
        dropped = true;
        return route.abort('connectionreset');
      }
      return route.continue();
    });
    await page.route('**/api/v1/file/offset?*', (route) => {
      offsetAsked++;
      return route.continue();
    });
    const doc = await page.evaluate(async ({folderId, size}) => {
      const {uploadFile} = await import('/js/upload.js');
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 11)) & 255;
      const file = new File([bytes], 'resumed.bin', {type: 'application/octet-stream'});
      return uploadFile(file, folderId, {chunkBytes: 1024 * 1024});
    }, {folderId: state.folderId, size});
    await page.unrouteAll();
    assert.deepEqual(chunks, [[0, 1024], [0, 512], [512, 512], [512, 256], [768, 256],
                              [1024, 256], [1280, 20]], 'chunks as [offset KiB, KiB]');
    assert.equal(offsetAsked, 2, 'the offset was asked after each failure');
    assert.equal(doc.size, size);
    const item = await (await context.request.get(`${server.url}/api/v1/item/${doc.itemId}`))
        .json();
    assert.equal(item.name, 'resumed.bin');
    assert.equal(item.size, size);
  });

  step('opens the item page and shows the slide', async () => {
    await Promise.all([page.waitForURL(/\/item\.html\?id=/),
                       page.locator('.upload a.item-link').click()]);
    // A server that does not make uploads large images by itself offers the conversion.
    const viewerOpen = page.locator('#viewer[data-state=open]');
    const convert = page.locator('#make-large-image-button');
    await viewerOpen.or(convert).first().waitFor({state: 'attached'});
    if (await convert.count()) await convert.click();
    await whenOpenAndLoaded(page);
    await page.locator('#info dd', {hasText: '2,220 × 2,967 px'}).waitFor();
    assert.equal(await page.locator('#item-name').textContent(), 'CMU-1-Small-Region.svs');
    const meta = await (await context.request.get(
      `${server.url}/api/v1/item/${state.itemId}/tiles`)).json();
    state.levels = meta.levels;
    assert.ok(tiles.length > 0, 'the viewer asked for tiles');
    await assertTilesOk();
  });

  step('zooms in with the wheel and to full resolution; every tile is 2xx', async () => {
    const box = await page.locator('#viewer').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const before = await page.evaluate(() => window.tessera.viewer.viewport.getZoom());
    await armSettle(page);
    await page.mouse.wheel(0, -240);
    await settled(page);
    const afterWheel = await page.evaluate(() => window.tessera.viewer.viewport.getZoom());
    assert.ok(afterWheel > before * 1.1, `the wheel zoomed in (${before} → ${afterWheel})`);
    // One screen pixel per image pixel at the image's centre: full-resolution tiles.
    await armSettle(page);
    await page.evaluate(() => {
      const viewer = window.tessera.viewer;
      const tiled = viewer.world.getItemAt(0);
      const size = tiled.getContentSize();
      viewer.viewport.panTo(tiled.imageToViewportCoordinates(size.x / 2, size.y / 2));
      viewer.viewport.zoomTo(tiled.imageToViewportZoom(1));
    });
    const zoom = await settled(page);
    assert.ok(Math.abs(zoom - 1) < 0.05, `image zoom ${zoom}`);
    const top = state.levels - 1;
    assert.ok(tiles.some((t) => t.z === top), `full-resolution (z=${top}) tiles were shown`);
    await assertTilesOk();
  });

  step('the viewer shows tissue, not a blank canvas', async (t) => {
    const {png, rect} = await viewerPixels(page);
    const s = pixelStats(png, isTissue, rect);
    t.diagnostic(`tissue ${(100 * s.contentFraction).toFixed(1)}%, luma sd ` +
                 `${s.stdLuma.toFixed(1)}, mean RGB ${s.meanRgb.map(Math.round)}`);
    assert.ok(s.contentFraction > 0.25,
              `tissue-coloured pixels: ${(100 * s.contentFraction).toFixed(1)}% ` +
              `(mean RGB ${s.meanRgb.map(Math.round)})`);
    assert.ok(s.stdLuma > 10, `luma standard deviation ${s.stdLuma.toFixed(1)}`);
    // H&E: more red than green.
    assert.ok(s.meanRgb[0] > s.meanRgb[1] + 10, `mean RGB ${s.meanRgb.map(Math.round)}`);
  });

  step('a style from the picker reaches the tiles (red band only)', async (t) => {
    const first = tiles.length;
    await page.locator('#style-mode').selectOption('rows');
    await whenOpenAndLoaded(page);
    await page.getByLabel('Band 2 (green)', {exact: true}).uncheck();
    await whenOpenAndLoaded(page);
    await page.getByLabel('Band 3 (blue)', {exact: true}).uncheck();
    await whenOpenAndLoaded(page);
    const styled = tiles.slice(first);
    assert.ok(styled.length > 0);
    const last = new URL(styled[styled.length - 1].url).searchParams.get('style');
    assert.deepEqual(JSON.parse(last),
                     {bands: [{band: 1, min: 'auto', max: 'auto', palette: '#ff0000'}]});
    await assertTilesOk();
    const {png, rect} = await viewerPixels(page);
    const s = pixelStats(png, () => true, rect);
    t.diagnostic(`styled: luma sd ${s.stdLuma.toFixed(1)}, mean RGB ${s.meanRgb.map(Math.round)}`);
    assert.ok(s.meanRgb[0] > 60 && s.meanRgb[1] < 10 && s.meanRgb[2] < 10,
              `red only: mean RGB ${s.meanRgb.map(Math.round)}`);
    assert.ok(s.stdLuma > 3, `styled luma standard deviation ${s.stdLuma.toFixed(1)}`);
  });

  step('the admin\'s cookie opens the thumbnail; an anonymous visitor gets 401', async () => {
    const thumb = `${server.url}/api/v1/item/${state.itemId}/tiles/thumbnail?width=160`;
    const tile = `${server.url}/api/v1/item/${state.itemId}/tiles/zxy/0/0/0?edge=crop`;
    const mine = await context.request.get(thumb);
    assert.equal(mine.status(), 200);
    assert.match(mine.headers()['content-type'], /^image\//);

    const anonymous = await browser.newContext();
    try {
      for (const url of [thumb, tile, `${server.url}/api/v1/item/${state.itemId}`]) {
        const r = await anonymous.request.get(url);
        assert.equal(r.status(), 401, `anonymous GET ${url}`);
      }
      const visitor = await anonymous.newPage();
      await visitor.goto(`${server.url}/item.html?id=${state.itemId}`);
      await visitor.locator('#message .message.error').waitFor();
      assert.ok(await visitor.locator('#message a', {hasText: 'Log in'}).count(),
                'the error offers a login link');
      await visitor.locator('#login-link').waitFor();
    } finally {
      await anonymous.close();
    }
  });

  step('logging out clears the cookie and ends the token', async () => {
    await Promise.all([page.waitForURL(/\/login\.html/),
                       page.getByRole('button', {name: 'Log out'}).click()]);
    const cookie = (await context.cookies()).find((c) => c.name === 'girderToken');
    assert.equal(cookie, undefined, 'the cookie is gone');
    const r = await fetch(`${server.url}/api/v1/item/${state.itemId}/tiles/thumbnail`,
                          {headers: {'Girder-Token': state.token}});
    assert.equal(r.status, 401, 'the old token is refused');
  });

  it('raised no page errors', () => {
    assert.deepEqual(pageErrors, []);
  });
});
