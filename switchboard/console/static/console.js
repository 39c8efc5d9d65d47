// Reveal and copy buttons (no inline scripts: the Content-Security-Policy allows only these files).
document.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-reveal], button[data-copy]");
  if (!button) return;
  if (button.dataset.reveal) {
    const input = document.getElementById(button.dataset.reveal);
    const hidden = input.type === "password";
    input.type = hidden ? "text" : "password";
    button.textContent = hidden ? "Hide" : "Reveal";
  } else {
    const source = document.getElementById(button.dataset.copy);
    const text = "value" in source ? source.value : source.textContent;
    navigator.clipboard.writeText(text.trim()).then(() => {
      const label = button.textContent;
      button.textContent = "Copied";
      setTimeout(() => { button.textContent = label; }, 1500);
    });
  }
});
