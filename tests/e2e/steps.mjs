// Steps shared by the real-window E2E files (imported, not a test file itself).

/** A visit needs an open till shift: where the counter offers the float, open the till with 0.00. */
export async function openTillIfAsked(browser) {
  const offered = await browser
    .$("#counter-till")
    .waitForDisplayed({ timeout: 8000 })
    .then(() => true)
    .catch(() => false);
  if (!offered) return;
  await browser.execute(() => {
    const el = document.querySelector("#counter-till-float");
    el.value = "0";
    el.dispatchEvent(new Event("input", { bubbles: true }));
  });
  await browser.$("#counter-till-open").click();
  await browser.$("#counter-till").waitForDisplayed({ reverse: true, timeout: 30000 });
}
