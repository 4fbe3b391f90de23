/**
 * What an image is, for every part of nnc that asks: the colour modes of an images() source and their channel
 * counts (Keras's `color_mode`), and the one rule for whether a data shape is an image. The checker, the
 * image reader and the data summary read these; none keeps its own table.
 */

/** Keras's `color_mode`s, each with the channels it gives. */
export const channelsOfColor = { grayscale: 1, rgb: 3, rgba: 4 } as const;

export type ColorMode = keyof typeof channelsOfColor;

/** The colour mode of `channels` channels (1, 3 or 4), or undefined for any other count. */
export function colorOfChannels(channels: number): ColorMode | undefined {
  return (Object.keys(channelsOfColor) as ColorMode[]).find((mode) => channelsOfColor[mode] === channels);
}

/**
 * Whether `shape` (one example's, without the batch axis) is an image: `[height, width, channels]` of known
 * positive height and width and 1 (grey), 3 (RGB) or 4 (RGBA) channels.
 */
export function isImageShape(shape: readonly (number | string | null)[]): boolean {
  if (shape.length !== 3) return false;
  const [height, width, channels] = shape;
  return (
    typeof height === "number" &&
    typeof width === "number" &&
    height > 0 &&
    width > 0 &&
    typeof channels === "number" &&
    colorOfChannels(channels) !== undefined
  );
}
