//! A region of a query image (`X,Y,W,H` in pixels of the picture as shown, orientation applied):
//! searching by a part of a picture embeds only that crop.

use std::fmt;
use std::str::FromStr;

use crate::decode::Decoded;
use crate::error::{Error, Result};

/// A rectangle in pixels of the oriented, full-resolution picture.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Region {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub w: u32,
    /// Height.
    pub h: u32,
}

impl Region {
    /// The smallest side a region may have: below it the crop, enlarged to the model's input, is a
    /// few blurred pixels that resemble everything and nothing.
    pub const MIN_SIDE: u32 = 16;

    /// Checks the region lies inside a `width` x `height` picture and is large enough.
    pub fn check(&self, width: u32, height: u32) -> Result<()> {
        if self.w < Self::MIN_SIDE || self.h < Self::MIN_SIDE {
            return Err(Error::Usage(format!("region {self} is too small: each side needs at least {} pixels", Self::MIN_SIDE)));
        }
        let inside =
            u64::from(self.x) + u64::from(self.w) <= u64::from(width) && u64::from(self.y) + u64::from(self.h) <= u64::from(height);
        if !inside {
            return Err(Error::Usage(format!("region {self} reaches outside the image, which is {width}×{height} pixels")));
        }
        Ok(())
    }

    /// The region's pixels of a decoded picture (which may have been decoded reduced: the region
    /// is scaled from full-resolution pixels to the decoded ones).
    pub fn crop(&self, decoded: Decoded) -> Result<Decoded> {
        self.check(decoded.width(), decoded.height())?;
        let (iw, ih) = (decoded.image.width(), decoded.image.height());
        let (sx, sy) = (f64::from(iw) / f64::from(decoded.width()), f64::from(ih) / f64::from(decoded.height()));
        let x = ((f64::from(self.x) * sx).floor() as u32).min(iw.saturating_sub(1));
        let y = ((f64::from(self.y) * sy).floor() as u32).min(ih.saturating_sub(1));
        let w = ((f64::from(self.w) * sx).round() as u32).clamp(1, iw - x);
        let h = ((f64::from(self.h) * sy).round() as u32).clamp(1, ih - y);
        Ok(Decoded::new(decoded.image.crop_imm(x, y, w, h), decoded.format))
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{},{},{},{}", self.x, self.y, self.w, self.h)
    }
}

/// `X,Y,W,H`, whole pixels.
impl FromStr for Region {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || Error::Usage(format!("region `{s}`: expected X,Y,W,H in whole pixels, e.g. 0,0,400,300"));
        let parts: Vec<u32> = s.split(',').map(|p| p.trim().parse().map_err(|_| bad())).collect::<Result<_>>()?;
        let [x, y, w, h] = parts[..] else { return Err(bad()) };
        if w == 0 || h == 0 {
            return Err(Error::Usage(format!("region `{s}` is empty: width and height must be above 0")));
        }
        Ok(Region { x, y, w, h })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{DynamicImage, RgbImage};

    #[test]
    fn regions_parse_and_refuse_nonsense() {
        assert_eq!("10, 20,30,40".parse::<Region>().unwrap(), Region { x: 10, y: 20, w: 30, h: 40 });
        for bad in ["", "1,2,3", "1,2,3,4,5", "-1,0,20,20", "a,b,c,d", "0,0,0,10"] {
            assert!(bad.parse::<Region>().is_err(), "{bad}");
        }
    }

    #[test]
    fn a_region_must_fit_and_be_large_enough() {
        let r = Region { x: 50, y: 0, w: 50, h: 40 };
        r.check(100, 40).unwrap();
        assert!(r.check(99, 40).unwrap_err().to_string().contains("outside the image, which is 99×40"));
        assert!(Region { x: 0, y: 0, w: 8, h: 40 }.check(100, 40).unwrap_err().to_string().contains("too small"));
        assert!(Region { x: u32::MAX, y: 0, w: 20, h: 20 }.check(100, 40).is_err());
    }

    #[test]
    fn crop_takes_the_region_pixels() {
        let mut img = RgbImage::new(100, 40);
        for (x, _, p) in img.enumerate_pixels_mut() {
            *p = if x < 50 { image::Rgb([255, 0, 0]) } else { image::Rgb([0, 0, 255]) };
        }
        let decoded = Decoded::new(DynamicImage::ImageRgb8(img), crate::decode::Format::Png);
        let right = Region { x: 50, y: 0, w: 50, h: 40 }.crop(decoded).unwrap();
        assert_eq!((right.width(), right.height()), (50, 40));
        assert_eq!(right.image.to_rgb8().get_pixel(0, 0).0, [0, 0, 255]);
    }
}
