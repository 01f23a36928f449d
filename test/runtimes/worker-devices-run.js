// The worker CPU device check the runtime tests perform (Deno, Chromium): two worker devices
// started, a product computed on cpu:1 and reduced on cpu:2 after a copy between them, with the
// bits of the same work on the main CPU device, and a synchronous read refused. It takes the
// webtorch module as an argument because each runtime imports its own bundle.

function base64(values) {
  const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  return btoa(String.fromCharCode(...bytes));
}

export async function checkWorkerDevices(torch) {
  await torch.cpu.init({ devices: 2 });
  torch.manualSeed(0);
  const a = torch.randn(64, 64);
  const b = torch.randn(64, 64);
  const here = a.matmul(b).relu().sum(0);
  const there = a.to('cpu:1').matmul(b.to('cpu:1')).relu().to('cpu:2').sum(0);
  let syncRead = null;
  try {
    there.dataSync();
  } catch (error) {
    syncRead = error.message;
  }
  const bits = { cpu: base64(new Float32Array(await here.data())), workers: base64(new Float32Array(await there.data())) };
  return { deviceCount: torch.cpu.deviceCount(), devices: Object.keys(torch.memory().devices), device: there.device, bits, syncRead };
}
