import { describe, expect, it } from 'vitest';
import { escapeHtml, html, raw } from './html.ts';

describe('escapeHtml and html``', () => {
  it('escapes the five characters that can break out of content or a quoted attribute', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;');
    expect(escapeHtml('plain text 123')).toBe('plain text 123');
  });

  it('escapes every interpolation but nested html`` and raw(), and flattens arrays', () => {
    const name = '<img src=x onerror=alert(1)>';
    const out = html`<p title="${name}">${name}${html`<b>${'&'}</b>`}${raw('<i>ok</i>')}${['<', html`<br>`]}${null}${undefined}${false}${0}</p>`;
    expect(out.value).toBe(
      '<p title="&lt;img src=x onerror=alert(1)&gt;">&lt;img src=x onerror=alert(1)&gt;<b>&amp;</b><i>ok</i>&lt;<br>0</p>',
    );
  });
});
