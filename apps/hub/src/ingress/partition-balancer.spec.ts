import { partitionsToRelease } from './partition-balancer';

describe('partitionsToRelease', () => {
  it('gives up what is beyond the fair share, rounded up', () => {
    expect(partitionsToRelease(4, 4, 2)).toBe(2);
    expect(partitionsToRelease(4, 4, 3)).toBe(2);
    expect(partitionsToRelease(3, 4, 2)).toBe(1);
  });

  it('keeps everything when alone or within its share, so two instances never trade back and forth', () => {
    expect(partitionsToRelease(4, 4, 1)).toBe(0);
    expect(partitionsToRelease(2, 4, 2)).toBe(0);
    expect(partitionsToRelease(2, 4, 3)).toBe(0);
    expect(partitionsToRelease(1, 4, 0)).toBe(0);
  });
});
