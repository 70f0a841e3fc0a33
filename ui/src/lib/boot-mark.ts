// Start-up marks on the page's own timeline (`performance.mark`), read by
// scripts/bench to split the start-up row into fetch and parse, module
// evaluation and the first render. Imported first by main.ts, so its mark is
// the moment the bundle's code begins to run.
performance.mark("rxdesk:script");
