import { DetailUrlAllowList } from './detail-url-allow-list';

const allowList = new DetailUrlAllowList(['http://127.0.0.1:3200/sandbox/delius/nps-london-croydon/detail/']);

describe('DetailUrlAllowList', () => {
  it('allows a URL under an allowed prefix', () => {
    expect(
      allowList.allows(
        'http://127.0.0.1:3200/sandbox/delius/nps-london-croydon/detail/registrations/X412563/2500123456',
      ),
    ).toBe(true);
  });

  it.each([
    ['another host', 'https://probation-integration.example.org.uk/registrations/X412563/2500123456'],
    ['another partner', 'http://127.0.0.1:3200/sandbox/delius/nps-london-lambeth/detail/registrations/X412563/1'],
    ['a dot-segment escape', 'http://127.0.0.1:3200/sandbox/delius/nps-london-croydon/detail/../control'],
    ['an encoded dot-segment escape', 'http://127.0.0.1:3200/sandbox/delius/nps-london-croydon/detail/%2e%2e/control'],
    ['credentials', 'http://user:secret@127.0.0.1:3200/sandbox/delius/nps-london-croydon/detail/x'],
    ['a look-alike host', 'http://127.0.0.1:32001/sandbox/delius/nps-london-croydon/detail/x'],
    ['the prefix without its slash', 'http://127.0.0.1:3200/sandbox/delius/nps-london-croydon/detailx'],
    ['not a URL', 'registrations/X412563'],
    ['another scheme', 'file:///etc/passwd'],
  ])('refuses %s', (_case, url) => {
    expect(allowList.allows(url)).toBe(false);
  });
});
