// The handheld's sound and vibration: a good, a bad and a queued tone, so a picker hears the
// scan's outcome without looking; the audio is woken by the first key of the scanner.

let audio = null;

function tone(freqs, seconds, type, gain = 0.25) {
  try {
    audio = audio || new AudioContext();
    if (audio.state === "suspended") audio.resume();
    let at = audio.currentTime;
    for (const f of freqs) {
      const osc = audio.createOscillator();
      const vol = audio.createGain();
      osc.type = type;
      osc.frequency.value = f;
      vol.gain.setValueAtTime(gain, at);
      vol.gain.exponentialRampToValueAtTime(0.001, at + seconds);
      osc.connect(vol).connect(audio.destination);
      osc.start(at);
      osc.stop(at + seconds);
      at += seconds * 0.9;
    }
  } catch (e) { /* no audio device: vibration and colour still tell */ }
}

/** "good", "bad" or "queued": a sound, a vibration, and the kind on the page for the tests. */
export function feedback(kind) {
  if (kind === "good") { tone([988, 1319], 0.08, "sine"); navigator.vibrate?.(40); }
  else if (kind === "bad") { tone([196, 147, 196], 0.22, "square", 0.3); navigator.vibrate?.([250, 100, 250]); }
  else if (kind === "queued") { tone([660], 0.09, "triangle"); navigator.vibrate?.(30); }
  document.body.dataset.feedback = kind;
  (window.edgeFeedback = window.edgeFeedback || []).push(kind);
}

// A browser suspends audio until the person does something; a scanner's keys count.
document.addEventListener("keydown", () => { if (audio && audio.state === "suspended") audio.resume(); }, { capture: true });
