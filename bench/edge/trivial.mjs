// The edge benchmark's baseline: a worker that answers a constant JSON, so that a runtime's own
// start-up can be told apart from what loading the classifier adds to it.
export default {
  fetch: () => new Response('{"ok":true}', { headers: { 'content-type': 'application/json; charset=utf-8' } }),
};
