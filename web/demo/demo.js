// The demo exchange's page logic: balances, history, and the Lantern calls an exchange would make.
'use strict';

const balances = [
  { coin: 'BTC', name: 'Bitcoin', amount: '0.52140000', usd: 49883.12 },
  { coin: 'ETH', name: 'Ethereum', amount: '3.41820000', usd: 11890.45 },
  { coin: 'USDT', name: 'Tether', amount: '8,412.370000', usd: 8412.37 },
  { coin: 'TRX', name: 'TRON', amount: '1,020.000000', usd: 214.2 },
];

// Times are relative to now so every row stays a valid, recent transfer whenever the demo runs.
// Addresses carry valid checksums (Base58Check, bech32, EIP-55) so the widget's validators accept them.
const history = [
  { id: 'w-1', type: 'withdrawal', coin: 'USDT', chain: 'TRC20', amount: '1250.5', status: 'completed', minutesAgo: 190,
    address: 'TJRabPrwbZy45sbavfcjinPJC18kjpRTv8',
    txid: 'c3b9e5d2a17f48e6b0d4f1a9e2c7b5380d6f4a1e9c2b7d5f3a8e1c6b9d4f2a70' },
  { id: 'd-1', type: 'deposit', coin: 'BTC', chain: 'BTC', amount: '0.0425', status: 'confirming', minutesAgo: 235,
    address: 'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
    txid: '9f2c4e7a0b1d4c6e8f3a5b7c9d1e2f40a1b2c3d4e5f60718293a4b5c6d7e8f90' },
  { id: 'd-2', type: 'deposit', coin: 'USDT', chain: 'TRC20', amount: '5000', status: 'completed', minutesAgo: 410,
    address: 'TLa2f6VPqDgRE67v1736s7bJ8Ray5wYjU7',
    txid: 'e8d1f7c4b2a90e6d5c3b1a8f7e6d5c4b3a2918f7e6d5c4b3a2f1e0d9c8b7a6f5' },
  { id: 'w-2', type: 'withdrawal', coin: 'ETH', chain: 'ERC20', amount: '0.8', status: 'processing', minutesAgo: 55,
    address: '0x742d35Cc6634C0532925a3b844Bc454e4438f44e', txid: '' },
  { id: 'd-3', type: 'deposit', coin: 'ETH', chain: 'ERC20', amount: '1.75', status: 'completed', minutesAgo: 1460,
    address: '0x742d35Cc6634C0532925a3b844Bc454e4438f44e',
    txid: '0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060' },
  { id: 'w-3', type: 'withdrawal', coin: 'USDT', chain: 'ERC20', amount: '320', status: 'completed', minutesAgo: 3050,
    address: '0xde0B295669a9FD93d5F28D9Ec85E40f4cb697BAe',
    txid: '0xa6f0b3c2d1e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0' },
  { id: 'w-4', type: 'withdrawal', coin: 'BTC', chain: 'BTC', amount: '0.15', status: 'completed', minutesAgo: 4320,
    address: '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
    txid: '7d1e9f3b5a2c4e6f8a0b1c3d5e7f9a2b4c6d8e0f1a3b5c7d9e2f4a6b8c0d1e3f' },
];

const pad = (n) => String(n).padStart(2, '0');
function localTime(minutesAgo) {
  const t = new Date(Date.now() - minutesAgo * 60000);
  return `${t.getFullYear()}-${pad(t.getMonth() + 1)}-${pad(t.getDate())} ${pad(t.getHours())}:${pad(t.getMinutes())}`;
}
const short = (s) => (s.length > 16 ? `${s.slice(0, 8)}…${s.slice(-6)}` : s);

function el(tag, attrs = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

// What "Report a problem" sends: the form of the right category, filled with this row's data.
function deepLink(row) {
  const fields = { coin: row.coin, chain: row.chain, amount: row.amount, address: row.address, time: row.time };
  if (row.txid) fields.txid = row.txid;
  if (row.type === 'withdrawal') {
    fields.status = row.status === 'completed' ? 'completed' : 'processing';
    return { category: 'withdrawal-not-received', fields };
  }
  return { category: 'deposit-not-credited', fields };
}

function render() {
  const cards = document.getElementById('balances');
  for (const b of balances) {
    const c = el('div', { class: 'card' });
    c.append(el('div', { class: 'coin' }, `${b.coin} · ${b.name}`), el('div', { class: 'amt' }, b.amount),
             el('div', { class: 'usd' }, `≈ $${b.usd.toLocaleString('en-US', { minimumFractionDigits: 2 })}`));
    cards.append(c);
  }
  const tbody = document.querySelector('#history tbody');
  for (const row of [...history].sort((a, b) => a.minutesAgo - b.minutesAgo)) {
    row.time = localTime(row.minutesAgo);
    const tr = el('tr', { 'data-id': row.id });
    const incoming = row.type === 'deposit';
    tr.append(
      el('td', { class: 'mono' }, row.time),
      el('td', { class: incoming ? 'in' : 'out' }, incoming ? 'Deposit' : 'Withdrawal'),
      el('td', {}, row.coin),
      el('td', {}, row.chain),
      el('td', { class: 'num ' + (incoming ? 'in' : 'out') }, (incoming ? '+' : '−') + row.amount),
      el('td', { class: 'mono', title: row.address }, short(row.address)),
      el('td', { class: 'mono', title: row.txid || 'no TxID yet' }, row.txid ? short(row.txid) : '—'));
    const st = el('td');
    st.append(el('span', { class: 'st ' + row.status }, row.status[0].toUpperCase() + row.status.slice(1)));
    const act = el('td');
    const btn = el('button', { class: 'report', type: 'button' }, 'Report a problem');
    btn.addEventListener('click', () => window.Lantern.open(deepLink(row)));
    act.append(btn);
    tr.append(st, act);
    tbody.append(tr);
  }
}

async function identify() {
  // A real exchange renders the user's id and HMAC from its backend; `make demo` writes them to
  // demo-user.json with the relay's identity secret, so the relay marks the demo's tickets verified.
  let user = { userId: 'u_demo_1024', userHash: '' };
  try {
    const r = await fetch('demo-user.json', { cache: 'no-store' });
    if (r.ok) user = await r.json();
  } catch (_) { /* offline: identify without the hash */ }
  window.Lantern.identify(user);
}

render();
identify();
window.Lantern.on('ticket', (t) => {
  document.getElementById('log').textContent = `Support ticket ${t.id} created (${t.category}). We'll reply in the widget.`;
});
